"""``antq`` with no command opens the window: its few options are read without building
every command's parser (the window's start budget, issue 12); anything else — a command,
help, a mistake — goes to the full parser as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop import cli


@pytest.mark.parametrize("argv", [[], ["--db", "x.db"], ["--db=x.db"], ["--self-test"],
                                  ["--db", "x.db", "--self-test"], ["--user", "cb1"]])
def test_a_window_start_reads_what_the_full_parser_reads(argv):
    quick = cli.window_args(argv)
    assert quick is not None
    assert vars(quick) == vars(cli.build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [["list", "person"], ["--db", "x.db", "list", "person"],
                                  ["--help"], ["-h"], ["--version"], ["--db"], ["--bogus"],
                                  ["--db", "--self-test"], ["stray"]])
def test_anything_else_goes_to_the_full_parser(argv):
    assert cli.window_args(argv) is None


def test_the_window_opens_without_building_the_commands_parsers(monkeypatch):
    opened = []
    monkeypatch.setattr(cli, "build_parser", lambda: pytest.fail("the full parser was built"))
    monkeypatch.setattr(cli, "open_window", lambda db, **kw: opened.append((db, kw)) or 0)
    assert cli.main(["--db", "x.db"]) == 0
    assert opened == [(Path("x.db"), {"self_test": False})]


def test_a_mistake_is_still_explained_by_the_full_parser(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--db"])
    assert e.value.code == 2
    assert "--db" in capsys.readouterr().err
