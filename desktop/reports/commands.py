"""The `antq` subcommands for printing and spreadsheets."""

from __future__ import annotations

import argparse
from collections.abc import Callable

COMMANDS: set[str] = set()


def register(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add this group's subcommands; ``cmd(name, help)`` returns a parser with --db/--json."""


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError(args.command)
