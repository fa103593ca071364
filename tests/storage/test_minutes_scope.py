"""The minutes (and models' records) of a place: a row is in it when its organization lies in
the place or under it, tested on the organization's row (records._scope_filter), read
through the list of those organizations' ids, or counted so — the same rows, in the same
order, page after page in every order and plan, as computed from every row."""

from __future__ import annotations

import itertools

import pytest
from dbkit import record_pages

from desktop.domain.kinds import KINDS
from desktop.storage import paging, records, walk

ORDERS = (None, "number", "title", "started_at", "organization_id", "place")


@pytest.fixture
def minutes(store, village):
    commune = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                 (village,)).fetchone()[0]
    province = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                  (commune,)).fetchone()[0]
    other = store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                               "parent_id": commune}).id
    places = [village, commune, other, village]
    orgs = [store.add("organization", {"name": f"Tổ hòa giải {i}", "org_type": "to_hoa_giai",
                                       "unit_id": place}).id for i, place in enumerate(places)]
    for i in range(24):
        store.add("meeting", {"organization_id": orgs[i % 4],
                              "title": ("Sinh hoạt định kỳ", "Họp bình xét", "Sơ kết")[i % 3],
                              "started_at": f"08:00 1{i % 10}/0{1 + i % 9}/2025",
                              "place": None if i % 5 == 0 else f"Nhà văn hóa {i % 4}"})
    store.delete("organization", orgs[3])  # its minutes stay its place's
    gone = store.conn.execute("SELECT id FROM meeting ORDER BY _rowid LIMIT 1").fetchone()[0]
    store.delete("meeting", gone)
    return {"village": village, "commune": commune, "province": province, "other": other}


def _expected(conn, unit: str) -> set[str]:
    units = {r[0] for r in conn.execute(records.SUBTREE_SQL, {"u": unit})}
    orgs = {r[0] for r in conn.execute("SELECT id, unit_id FROM organization") if r[1] in units}
    return {r[0] for r in conn.execute("SELECT id, organization_id FROM meeting "
                                       "WHERE _deleted = 0") if r[1] in orgs}


@pytest.mark.parametrize("plan", ["as chosen", "walk", "gather"])
def test_a_place_s_minutes_are_its_organizations_in_every_order_and_plan(
        conn, minutes, monkeypatch, plan):
    if plan == "walk":
        monkeypatch.setattr(paging, "bound", lambda *_a: 0)
        monkeypatch.setattr(walk, "WALK_ROWS", 10**6)
    elif plan == "gather":
        monkeypatch.setattr(paging, "bound", lambda *_a: 10**9)
    kind = KINDS["meeting"]
    for where in ("village", "commune", "province", "other"):
        want = _expected(conn, minutes[where])
        assert want
        for order, descending in itertools.product(ORDERS, (False, True)):
            q = records.Query(order_by=order, descending=descending,
                              unit_scope=minutes[where])
            whole = [r["id"] for r in records.page(conn, kind, records.Query(
                order_by=order, descending=descending), limit=-1)]
            assert record_pages(conn, kind, q, 3) == [i for i in whole if i in want], (
                where, order, descending)
            assert records.count(conn, kind, q) == len(want)
            searched = records.Query(order_by=order, descending=descending,
                                     unit_scope=minutes[where], search="ky")
            found = {r["id"] for r in records.page(conn, kind, searched, limit=-1)}
            assert record_pages(conn, kind, searched, 2) == [i for i in whole if i in found
                                                             and i in want]


def test_a_page_of_only_the_fields_a_list_shows_is_the_same_records_cut_to_them(
        conn, minutes):
    kind, shown = KINDS["meeting"], {"number", "issuer", "title", "started_at", "place"}
    for order, descending in itertools.product(ORDERS, (False, True)):
        q = records.Query(order_by=order, descending=descending,
                          unit_scope=minutes["commune"])
        whole = records.page(conn, kind, q, limit=7)
        cut = records.page(conn, kind, q, limit=7, fields=shown | {"no such field"})
        assert cut == [{k: v for k, v in r.items() if k in shown | {"id", "deleted",
                                                                     "sort_key"}}
                       for r in whole]
        after = records.page(conn, kind, q, limit=7, after=cut[-1]["sort_key"],
                             fields=shown)
        assert [r["id"] for r in after] == [r["id"] for r in records.page(
            conn, kind, q, limit=7, after=whole[-1]["sort_key"])]
        assert set(after[0]) == shown | {"id", "deleted", "sort_key"}
