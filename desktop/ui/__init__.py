"""The window (the only package that imports Qt).

PySide6 6.12.0 on Python 3.11 returns ``None`` from every void method without taking a
reference to it, so the process aborts ("Fatal Python error: none_dealloc") after a few thousand
calls: filtering the first-run wizard's 3,321 communes did it in nine key presses. pyproject.toml
keeps PySide6 below 6.12; tests/ui/test_none_references.py fails on a version with that bug.
"""
