"""Helpers for tests of the command line: a command run with ``--json``, its answer parsed."""

from __future__ import annotations

import json
from pathlib import Path

from desktop import cli


def run_json(path: Path, capsys, *args: str) -> object:  # type: ignore[no-untyped-def]
    """``antq <args> --db <path> --json``, which must succeed; what it printed, parsed."""
    capsys.readouterr()
    assert cli.main([*args, "--db", str(path), "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)
