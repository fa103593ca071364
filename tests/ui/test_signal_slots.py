"""No signal feeds its value into a slot that takes data (issue 10, finding 10).

A button's ``clicked(bool)`` arrived as the passphrase of ``make_keys(passphrase=None)``:
PySide passes a signal's arguments to every positional parameter a slot has, defaults or
not. Every ``connect`` in desktop/ui is read here: a method connected directly may take the
signal's value only in a parameter that says so (``checked``, or a name starting with ``_``)
or in a required one; a button, action or check box (whose signal carries a bool) only feeds
a parameter meant for a flag (``checked``, ``_…``, a required ``bool``, or a lambda's own).
The click tests (test_sync_clicks.py) prove the sync dialogs end to end.
"""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "desktop" / "ui"
# Signals whose argument is a flag or an index, never data a slot could want.
BOOL_SIGNALS = {"clicked", "toggled", "triggered"}
VALUE_SIGNALS = BOOL_SIGNALS | {"textChanged", "textEdited", "currentIndexChanged",
                                "currentTextChanged", "activated", "valueChanged",
                                "stateChanged"}


def _says_it_takes_the_value(arg: ast.arg) -> bool:
    return arg.arg == "checked" or arg.arg.startswith("_")


def _positional(fn: ast.FunctionDef | ast.Lambda, method: bool) -> tuple[list[ast.arg], int]:
    """Positional parameters (without self) and how many of them have no default."""
    args = [*fn.args.posonlyargs, *fn.args.args]
    if method and args:
        args = args[1:]
    return args, len(args) - len(fn.args.defaults)


def _problem(fn: ast.FunctionDef | ast.Lambda, signal: str, method: bool) -> str | None:
    args, required = _positional(fn, method)
    if not args:
        return None
    first = args[0]
    # A lambda is written at the connect, where the signal is in sight: a required parameter
    # there is meant for its value. A method is written elsewhere, for other callers too.
    meant_for_a_flag = _says_it_takes_the_value(first) or (
        isinstance(first.annotation, ast.Name) and first.annotation.id == "bool"
        and required > 0) or (not method and required > 0)
    if signal in BOOL_SIGNALS and not meant_for_a_flag:
        return f"{signal}(bool) would arrive as «{first.arg}»"
    if required == 0 and not _says_it_takes_the_value(first):
        return f"the signal's value would arrive as optional «{first.arg}»"
    return None


def bad_connections(sources: dict[str, str]) -> list[str]:
    """``file:line: what`` for each connection that would feed a value into data."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    defs: dict[str, list[tuple[str, ast.FunctionDef]]] = {}
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                defs.setdefault(node.name, []).append((name, node))
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr == "connect" and isinstance(node.func.value, ast.Attribute) \
                    and node.args:
                signal, target = node.func.value.attr, node.args[0]
            elif node.func.attr == "_action" and len(node.args) >= 3:  # the window's menus
                signal, target = "triggered", node.args[2]
            else:
                continue
            if isinstance(target, ast.Lambda):
                if signal in VALUE_SIGNALS and (problem := _problem(target, signal, False)):
                    found.append(f"{name}:{node.lineno}: {problem}")
                continue
            if not isinstance(target, ast.Attribute):
                continue
            candidates = defs.get(target.attr, [])
            # The method of the same file when there is one (reload, check: common names).
            same_file = [d for d in candidates if d[0] == name]
            for _file, fn in same_file or candidates:
                if problem := _problem(fn, signal, True):
                    found.append(f"{name}:{node.lineno}: .{target.attr}: {problem}")
    return found


def test_no_signal_feeds_its_value_into_data() -> None:
    sources = {str(p.relative_to(UI)): p.read_text(encoding="utf-8")
               for p in sorted(UI.rglob("*.py"))}
    assert bad_connections(sources) == []


def test_the_check_sees_the_pattern_of_finding_10() -> None:
    """What the keys dialog did before the fix, and the other shapes of the same mistake."""
    before = '''
class SitesDialog:
    def __init__(self):
        self.create_keys.clicked.connect(self.make_keys)
        self.rotate.clicked.connect(self.rotate_keys)
        self.recheck.clicked.connect(self.check)
        self.combo.currentIndexChanged.connect(self.fill)
        self.action.triggered.connect(lambda path=None: self.save(path))
        self._action(menu, "Lưu", self.save_as)

    def make_keys(self, passphrase: str | None = None) -> None: ...
    def rotate_keys(self, passphrase=None): ...
    def check(self, first: bool = False): ...
    def fill(self, unit=None): ...
    def save_as(self, path=None): ...
'''
    assert len(bad_connections({"before.py": before})) == 6
    after = '''
class SitesDialog:
    def __init__(self):
        self.create_keys.clicked.connect(lambda: self.make_keys())
        self.rotate.clicked.connect(self.rotate_keys)
        self.ok.clicked.connect(self.accept)
        self.combo.currentIndexChanged.connect(self.fill)
        self.tree.expanded.connect(self.on_expanded)
        self._action(menu, "Xem", lambda _c=False, i=1: self.show(i))

    def make_keys(self, passphrase: str | None = None) -> None: ...
    def rotate_keys(self): ...
    def fill(self, _index: int = 0): ...
    def on_expanded(self, index): ...
'''
    assert bad_connections({"after.py": after}) == []
