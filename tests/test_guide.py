"""The user guide (docs/huong-dan.md): every picture it shows is in the project, small, and one
the officer's day test takes (tests/ui/test_officers_day.py), so the pictures can be made
again whenever the window changes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_guides_pictures_are_in_the_project_and_small():
    guide = (ROOT / "docs" / "huong-dan.md").read_text("utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide)
    assert len(pictures) >= 6
    day = (ROOT / "tests" / "ui" / "test_officers_day.py").read_text("utf-8")
    for rel in pictures:
        path = ROOT / "docs" / rel
        assert path.is_file(), rel
        assert path.stat().st_size < 200_000, rel
        assert f'"{path.name}"' in day, f"{rel}: not taken by the day's test"
