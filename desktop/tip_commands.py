"""``antq tips overdue``: the tips not transferred to the investigating agency within the
deadline of TTLT 01/2017 (24 h, 48 h in a remote commune; desktop/storage/tips.py). Tips
themselves are a record kind: ``antq add|edit|list|show tip``, ``antq print tips``."""

from __future__ import annotations

import argparse

from desktop.i18n import _

COMMANDS = ("tips",)


def register(cmd) -> None:
    p = cmd("tips", _("nguồn tin quá hạn chuyển Cơ quan điều tra: antq tips overdue "
                      "[--unit ID|MÃ]"))
    p.add_argument("action", choices=("overdue",))
    p.add_argument("--unit", metavar="ID|CODE", help=_("chỉ trong một xã hoặc thôn/bản"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.domain import dates
    from desktop.storage import printouts, tips

    conn = open_db(args)
    try:
        scope = str(printouts.find_unit(conn, args.unit)["id"]) if args.unit else None
        items = tips.overdue(conn, unit_scope=scope)
        emit(args, [o.as_dict() for o in items],
             [f"{o.source_code}\t{dates.format_datetime(dates.parse_datetime(o.received_at))}"
              f"\t{_('hạn')} {dates.format_datetime(o.deadline)}" for o in items]
             or [_("Không có nguồn tin quá hạn chuyển")])
        return 0
    finally:
        conn.close()
