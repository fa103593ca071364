"""The movement's figures: the home page, cameras, establishments, An toàn evaluations, crime
figures, tips.
"""
