"""People: the roster and its model, the Excel import, moving to another commune, the same person
twice.
"""
