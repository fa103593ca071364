"""What every ``antq`` command module shares: opening the database of ``--db`` as the account
that logs in, reading ``field=value`` arguments, printing a result as lines or JSON. It sits
below ``desktop/cli.py`` and every ``*_commands.py`` module, so that imports point one way
(the command line imports the command modules; they import this, never the command line)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import dbapi

EXIT_USER_ERROR = 2


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UserError(_("«{i}»: cần dạng field=value").format(i=item))
        if name in out:
            raise UserError(_("{f}: được nhập hai lần").format(f=name))
        out[name] = value
    return out


def db_path(args: argparse.Namespace) -> Path:
    from desktop.storage.paths import default_database_path

    return Path(getattr(args, "db", None) or default_database_path())


def open_db(args: argparse.Namespace, *, must_exist: bool = True) -> dbapi.Connection:
    """The database of ``--db``, opened as the account that logs in (``--user`` or
    ``ANTQ_USER``, the password from ``ANTQ_PASSWORD`` or a prompt). A new file (``init``)
    is created encrypted under a new key."""
    from desktop.storage import accounts
    from desktop.storage.db import open_database

    path = db_path(args)
    if not path.exists() or path.stat().st_size == 0:
        if must_exist:
            raise UserError(_("Không có tệp cơ sở dữ liệu {p} (tạo bằng «antq init» hoặc "
                              "«antq demo»)").format(p=path))
        return open_database(path)
    name, password = accounts.credentials(getattr(args, "user", None))
    conn, _account, notes = accounts.login(path, name, password)
    for note in notes:
        print(note, file=sys.stderr)
    return conn


def emit(args: argparse.Namespace, data: object, lines: Sequence[str]) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        for line in lines:
            print(line)


def warn(args: argparse.Namespace, warnings: Sequence[str]) -> None:
    if not getattr(args, "json", False):
        for w in warnings:
            print(_("Cảnh báo: {w}").format(w=w), file=sys.stderr)
