"""The window's frame: start-up, the main window and its navigation, the first-run wizard,
settings, errors, one window per database.
"""
