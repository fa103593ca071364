"""Finding 9 of issue 14: a new minutes follows its organization's own series (ký hiệu and
next number) unless the officer gives another ký hiệu."""

from __future__ import annotations

import pytest

from desktop.domain.kinds import KINDS
from desktop.storage import derived, records


def org(store, village, name):
    return store.add("organization", {"name": name, "org_type": "to_bao_ve_antt",
                                      "unit_id": village}).id


@pytest.fixture
def tbv(store, village):
    org_id = org(store, village, "Tổ bảo vệ ANTT bản Huổi Lếch")
    for day in ("05/01", "05/04", "05/07"):
        minutes(store, org_id, f"08:00 {day}/2026", issuer="TBV")
    return org_id


def minutes(store, org_id, started, **values):
    mid = store.add("meeting", {"organization_id": org_id, "title": "Sinh hoạt định kỳ",
                                "started_at": started, **values}).id
    rec = records.get(store.conn, KINDS["meeting"], mid)
    return derived.format_meeting_number(rec["number"], rec["issuer"])


def test_a_new_minutes_follows_the_organizations_series(store, tbv):
    assert minutes(store, tbv, "08:00 05/10/2026") == "04/BB-TBV"
    assert derived.meeting_issuer(store.conn, tbv) == "TBV"


def test_the_officers_issuer_wins_and_one_exception_starts_no_series(store, tbv):
    assert minutes(store, tbv, "08:00 06/10/2026", issuer="CAX") == "01/BB-CAX"
    assert minutes(store, tbv, "08:00 07/10/2026") == "04/BB-TBV"


def test_a_new_organization_starts_at_cax_and_a_series_goes_into_the_new_year(store,
                                                                              village):
    other = org(store, village, "Tổ bảo vệ ANTT bản Na Pheo")
    assert minutes(store, other, "08:00 05/10/2026") == "01/BB-CAX"
    # Last year's series carries its ký hiệu into the new year, numbered from 01.
    old = org(store, village, "Tổ hòa giải bản Huổi Lếch")
    minutes(store, old, "08:00 05/06/2025", issuer="THG")
    assert minutes(store, old, "08:00 05/01/2026") == "01/BB-THG"


def test_deleted_minutes_do_not_set_the_series(store, village):
    org_id = org(store, village, "Đội dân phòng bản Huổi Lếch")
    minutes(store, org_id, "08:00 05/01/2026", issuer="DDP")
    mid = records.page(store.conn, KINDS["meeting"],
                       records.Query(filters={"organization_id": org_id}))[0]["id"]
    store.delete("meeting", mid)
    assert derived.meeting_issuer(store.conn, org_id) == "CAX"
