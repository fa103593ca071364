"""House rules DESIGN.md makes binding: only desktop/ui imports Qt; the UI writes no SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "desktop"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_ui_imports_pyside6():
    offenders = [
        str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
        if "ui" not in p.relative_to(PACKAGE).parts[:1]
        and any(n.split(".")[0] == "PySide6" for n in _imports(p))
    ]
    assert offenders == []


def test_dependencies_point_one_way():
    layers = {"domain": {"storage", "sync", "reports", "ui"}, "storage": {"sync", "reports", "ui"},
              "sync": {"reports", "ui"}, "reports": {"ui"}}
    for layer, forbidden in layers.items():
        for p in (PACKAGE / layer).rglob("*.py"):
            bad = {n for n in _imports(p) if n.startswith("desktop.")
                   and n.split(".")[1] in forbidden}
            assert not bad, (p, bad)


def test_the_ui_writes_no_sql():
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+[\w*]|\.execute\(")
    for p in (PACKAGE / "ui").rglob("*.py"):
        assert not sql.search(p.read_text("utf-8")), p
