"""Minutes, the largest list after people, are searched by either plan (see storage/walk.py)
with the same result, newest first."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain.kinds import KINDS
from desktop.storage import records, walk

TITLES = ["Sinh hoạt định kỳ tháng {m}", "Họp triển khai an ninh trật tự", "Họp bàn phòng chống "
          "ma túy", "Tổng kết phong trào toàn dân bảo vệ an ninh Tổ quốc", "Họp đột xuất"]
PLACES = ["Nhà văn hóa bản Huổi Lếch", "Nhà ông Lò Văn Ấn", "Trụ sở Công an xã"]


@pytest.fixture
def minutes(store, village):
    org = store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                     "org_type": "to_bao_ve_antt", "unit_id": village}).id
    start = dt.datetime(2025, 1, 6, 8)
    rows = [{"organization_id": org, "kind": "sinh_hoat_dinh_ky",
             "title": TITLES[i % len(TITLES)].format(m=1 + i % 12),
             "started_at": start + dt.timedelta(days=(i * 37) % 600, hours=i % 3),
             "place": PLACES[i % len(PLACES)]} for i in range(60)]
    store.add_many("meeting", rows)
    province = store.conn.execute(
        "SELECT p.id FROM unit v JOIN unit c ON c.id = v.parent_id JOIN unit p "
        "ON p.id = c.parent_id WHERE v.id = ?", (village,)).fetchone()[0]
    return {"village": village, "province": province}


PLANS = {"walk": (1, 10**6), "walk that gives up": (1, 5), "index": (10**9, 10**6)}
WORDS = st.sampled_from(["sinh", "hop", "an", "ninh", "thang", "1", "van", "lo", "ma", "tuy",
                         "nha", "tru", "to", "h", "d"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=3), newest_first=st.booleans())
def test_every_plan_lists_the_same_minutes_in_the_same_order(conn, minutes, monkeypatch, words,
                                                              newest_first):
    typed = " ".join(words)
    found = {}
    for plan, (broad, walk_rows) in PLANS.items():
        monkeypatch.setattr(walk, "BROAD_SEARCH", broad)
        monkeypatch.setattr(walk, "WALK_ROWS", walk_rows)
        for scope in (None, minutes["village"], minutes["province"]):
            q = records.Query(search=typed, descending=newest_first, unit_scope=scope)
            pages = [r["id"] for offset in range(0, 60, 9)
                     for r in records.page(conn, KINDS["meeting"], q, offset=offset, limit=9)]
            assert len(pages) == records.count(conn, KINDS["meeting"], q)
            found[plan, scope] = pages
    everywhere = found["index", None]
    assert all(pages == everywhere for pages in found.values()), typed


def test_a_broad_search_of_minutes_is_walked_newest_first(conn, minutes, monkeypatch):
    monkeypatch.setattr(walk, "BROAD_SEARCH", 10)
    q = records.Query(search="hop", descending=True)
    page = records.page(conn, KINDS["meeting"], q, limit=5)
    starts = [r["started_at"] for r in page]
    assert len(page) == 5 and starts == sorted(starts, reverse=True)
    assert all("Họp" in str(r["title"]) for r in page)


def test_a_provinces_minutes_page_down_their_date_index_in_the_same_order(conn, minutes):
    kind = KINDS["meeting"]
    for newest_first in (True, False):
        everywhere = records.Query(descending=newest_first)
        province = records.Query(descending=newest_first, unit_scope=minutes["province"])
        pages = [[r["id"] for offset in range(0, 60, 7)
                  for r in records.page(conn, kind, q, offset=offset, limit=7)]
                 for q in (everywhere, province)]
        assert pages[0] == pages[1] and len(pages[0]) == 60
        starts = [r["started_at"] for r in records.page(conn, kind, province, limit=-1)]
        assert starts == sorted(starts, reverse=newest_first)
