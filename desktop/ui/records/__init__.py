"""Lists and editors of any record kind: organizations, minutes, models, deeds, and the places'
lists.
"""
