"""The tips list read down its index of receipt (records.WALKED_ORDERS): at 300,000 people
with 30,000 tips its first page sorted every tip of the commune, 17-25 ms of the UI thread
at each reading, 18-19 ms cold everywhere."""

from __future__ import annotations

import datetime as dt

from desktop.domain import dates
from desktop.domain.kinds import KINDS
from desktop.storage import paging, records, walk


def test_the_tips_list_reads_down_its_index_of_receipt_in_the_same_order(
        conn, store, village, monkeypatch):
    commune = conn.execute("SELECT parent_id FROM unit WHERE id = ?", (village,)).fetchone()[0]
    start = dt.datetime(2026, 3, 1, 8, 0)
    for i in range(40):  # received in a shuffled order; two at the same moment
        at = start + dt.timedelta(hours=(i * 17) % 40 - (1 if i == 39 else 0))
        store.add("tip", {"received_at": dates.iso_datetime(at), "channel": "dien_thoai",
                          "unit_id": village if i % 3 else commune,
                          "summary": f"Tin số {i}"})
    monkeypatch.setattr(paging, "bound", lambda *_a: 0)  # as many as a large commune's
    monkeypatch.setattr(walk, "WALK_ROWS", 10**6)
    kind = KINDS["tip"]
    for scope in (None, commune, village):
        for descending in (True, False):
            q = records.Query(descending=descending, unit_scope=scope)
            ran: list[str] = []
            conn.set_trace_callback(ran.append)
            try:
                first = records.page(conn, kind, q, limit=10)
                rest = records.page(conn, kind, q, limit=-1, after=first[-1]["sort_key"])
            finally:
                conn.set_trace_callback(None)
            every = conn.execute(
                "SELECT t.id FROM tip t WHERE t._deleted = 0 AND (:u IS NULL OR t.unit_id IN "
                f"({records.SUBTREE_SQL.replace(':u', ':s')})) ORDER BY t.received_at "
                f"{'DESC' if descending else ''}, t.id {'DESC' if descending else ''}",
                {"u": scope, "s": scope}).fetchall()
            assert [r["id"] for r in first + rest] == [r[0] for r in every]
            if scope is not None:
                continue  # a place's tips: through the place's index, as before
            for sql in dict.fromkeys(ran):
                if sql.lstrip().upper().startswith("SELECT") and "FROM tip" in sql \
                        and "LIMIT" in sql:
                    plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
                    assert "TEMP B-TREE FOR ORDER BY" not in plan, (sql, plan)
