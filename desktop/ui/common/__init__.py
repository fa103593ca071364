"""What every page and dialog shares: field widgets, file dialogs, background tasks, counts, print
preview.
"""
