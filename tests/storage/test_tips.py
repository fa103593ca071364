"""Tips from the public: source codes numbered per commune and year inside the write lock, the
rules on a whole tip (one message naming the field, nothing saved), the transfer deadline of
TTLT 01/2017 (24 h, 48 h in a remote commune) and the overdue list."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from desktop.domain.errors import ValidationError
from desktop.storage import accounts, db, dbapi, seed, tips
from desktop.storage.writer import Store

COMMUNE_MUONG_NHE = "03160"  # the commune of the conftest's commune_site
COMMUNE_ID = seed.unit_id(COMMUNE_MUONG_NHE, seed.CODE_VERSION_2025)
OTHER_COMMUNE = "03301"  # Búng Lao: another commune of the same province


def tip(**kw: object) -> dict[str, object]:
    values: dict[str, object] = {"received_at": "08:30 20/11/2026", "channel": "Điện thoại",
                                 "unit_id": COMMUNE_ID,
                                 "summary": "Báo tin có người tàng trữ ma túy ở bản"}
    values.update(kw)
    return values


def code_of(conn: dbapi.Connection, tip_id: str) -> str:
    return str(conn.execute("SELECT source_code FROM tip WHERE id = ?", (tip_id,)).fetchone()[0])


def test_source_codes_number_on_per_commune_and_year(store, conn, village):
    first = store.add("tip", tip()).id
    second = store.add("tip", tip(unit_id=village)).id  # a village of the same commune
    next_year = store.add("tip", tip(received_at="09:00 02/01/2027")).id
    assert [code_of(conn, i) for i in (first, second, next_year)] == [
        "NT-2026-0001", "NT-2026-0002", "NT-2027-0001"]


def test_a_deleted_tips_code_is_never_given_again(store, conn):
    gone = store.add("tip", tip()).id
    store.delete("tip", gone)
    assert code_of(conn, store.add("tip", tip()).id) == "NT-2026-0002"


def test_a_batch_is_numbered_one_after_the_other(store, conn):
    ids = store.add_many("tip", [tip(), tip(), tip()])
    assert [code_of(conn, i) for i in ids] == ["NT-2026-0001", "NT-2026-0002",
                                              "NT-2026-0003"]


def test_a_typed_code_is_checked_and_kept_and_the_series_goes_on_past_it(store, conn):
    typed = store.add("tip", tip(source_code="nt-2026-0040")).id
    assert code_of(conn, typed) == "NT-2026-0040"
    assert code_of(conn, store.add("tip", tip()).id) == "NT-2026-0041"
    with pytest.raises(ValidationError) as e:
        store.add("tip", tip(source_code="NT-2026-0040"))
    assert e.value.field == "source_code"
    with pytest.raises(ValidationError, match="NT-2026-0012") as e:
        store.add("tip", tip(source_code="12"))
    assert e.value.field == "source_code"


def test_a_given_code_never_changes(store, conn):
    tip_id = store.add("tip", tip()).id
    with pytest.raises(ValidationError) as e:
        store.edit("tip", tip_id, {"source_code": "NT-2026-0099"})
    assert e.value.field == "source_code"
    store.edit("tip", tip_id, {"summary": "Nội dung đã sửa"})  # other edits keep it
    assert code_of(conn, tip_id) == "NT-2026-0001"


def test_two_officers_adding_at_once_get_different_numbers(db_path: Path, commune_site):
    """Each add numbers inside BEGIN IMMEDIATE: the second writer waits for the first."""
    per_writer = 12
    errors: list[BaseException] = []

    def officer(name: str) -> None:
        c = db.open_database(db_path)
        try:
            s = Store(c, actor=name)
            for _i in range(per_writer):
                s.add("tip", tip())
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            c.close()

    writers = [threading.Thread(target=officer, args=(n,)) for n in ("a", "b")]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert not errors
    c = db.open_database(db_path)
    codes = sorted(r[0] for r in c.execute("SELECT source_code FROM tip"))
    c.close()
    assert codes == [f"NT-2026-{n:04d}" for n in range(1, 2 * per_writer + 1)]


def test_transfer_before_receipt_is_refused_naming_the_field(store, conn, dump):
    before = dump(conn)
    with pytest.raises(ValidationError, match="sớm hơn thời điểm tiếp nhận") as e:
        store.add("tip", tip(transferred_at="08:00 20/11/2026", transferred_to="CQĐT"))
    assert e.value.field == "transferred_at"
    assert dump(conn) == before
    tip_id = store.add("tip", tip()).id
    before = dump(conn)
    with pytest.raises(ValidationError) as e:
        store.edit("tip", tip_id, {"transferred_at": "07:59 20/11/2026"})
    assert e.value.field == "transferred_at"
    assert dump(conn) == before


def test_a_solved_case_needs_a_valuable_tip(store, conn, dump):
    tip_id = store.add("tip", tip()).id
    before = dump(conn)
    with pytest.raises(ValidationError, match="Tin có giá trị") as e:
        store.edit("tip", tip_id, {"case_solved": "có", "case_reference": "12/VA"})
    assert e.value.field == "case_solved"
    assert dump(conn) == before
    with pytest.raises(ValidationError) as e:
        store.edit("tip", tip_id, {"valuable": "có", "arrested": "2"})
    assert e.value.field == "case_solved"
    store.edit("tip", tip_id, {"valuable": "có", "case_solved": "có", "arrested": "2",
                               "case_reference": "12/VA"})


def test_overdue_after_24_hours_and_48_in_a_remote_commune(store, conn, village):
    late = store.add("tip", tip(received_at="08:00 20/11/2026")).id
    in_village = store.add("tip", tip(received_at="08:00 20/11/2026", unit_id=village)).id
    sent = store.add("tip", tip(received_at="08:00 19/11/2026",
                                transferred_at="10:00 21/11/2026",
                                transferred_to="Cơ quan CSĐT Công an tỉnh")).id
    now = dt.datetime(2026, 11, 21, 8, 1)
    assert tips.overdue_ids(conn, now=now) == {late, in_village}
    assert tips.overdue_ids(conn, now=dt.datetime(2026, 11, 21, 8, 0)) == set()
    assert sent not in tips.overdue_ids(conn, now=dt.datetime(2027, 1, 1))

    # The commune marked remote (its unit edited): its tips and its villages' have 48 hours.
    store.edit("unit", COMMUNE_ID, {"remote": "có"})
    assert tips.is_remote(conn, village)
    assert tips.overdue_ids(conn, now=now) == set()
    assert tips.overdue_ids(conn, now=dt.datetime(2026, 11, 22, 8, 1)) == {late, in_village}
    (first, _second) = tips.overdue(conn, now=dt.datetime(2026, 11, 22, 8, 1))
    assert first.deadline == dt.datetime(2026, 11, 22, 8, 0)
    assert "2 nguồn tin quá hạn" in tips.overdue_message(
        tips.overdue(conn, now=dt.datetime(2026, 11, 22, 8, 1)))


def test_overdue_within_a_unit(store, conn, village):
    in_village = store.add("tip", tip(unit_id=village)).id
    store.add("tip", tip())
    now = dt.datetime(2026, 12, 1)
    assert {o.id for o in tips.overdue(conn, now=now, unit_scope=village)} == {in_village}
    assert len(tips.overdue(conn, now=now, unit_scope=COMMUNE_ID)) == 2


def test_overdue_at_a_place_reads_the_untransferred_tips_not_every_tip_of_the_place(
        store, conn, village):
    # SQLite took the place's index (unit, received) and read every tip of its villages to
    # find the few not transferred: 28 ms at 30,000 tips, at every place chosen, every write
    for n in range(30):
        store.add("tip", tip(unit_id=village, transferred_at="10:00 21/11/2026",
                             transferred_to="Công an huyện", summary=f"Tin số {n + 1}"))
    late = store.add("tip", tip(unit_id=village)).id
    asked: list[str] = []
    conn.set_trace_callback(asked.append)
    try:
        found = tips.overdue(conn, now=dt.datetime(2026, 12, 1), unit_scope=COMMUNE_ID)
    finally:
        conn.set_trace_callback(None)
    assert [o.id for o in found] == [late]
    assert found[0].deadline == dt.datetime(2026, 11, 21, 8, 30)  # 24 hours after 08:30
    sql = next(q for q in asked if "FROM tip t" in q)
    plan = " ".join(str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "tip_untransferred" in plan, plan


def test_a_commune_records_tips_of_its_own_units_only(store, conn):
    with pytest.raises(ValidationError) as e:
        store.add("tip", tip(unit_id=OTHER_COMMUNE))
    assert e.value.field == "unit_id"


def test_a_viewer_cannot_record_a_tip(db_path: Path, commune_site):
    conn = db.open_database(db_path)
    accounts.bind(conn, accounts.Account("xem", "viewer"))
    with pytest.raises(accounts.PermissionDenied, match="xem"):
        Store(conn).add("tip", tip())
    accounts.bind(conn, accounts.Account("canbo", "officer"))
    assert Store(conn).add("tip", tip()).id
    conn.close()


def test_figures_of_a_period_count_what_biểu_3_reports(store, conn, village):
    store.edit("unit", COMMUNE_ID, {"remote": "có"})  # 48 hours
    store.add("tip", tip(received_at="08:00 05/03/2026", valuable="có",
                         transferred_at="07:00 07/03/2026", transferred_to="CQĐT",
                         case_solved="có", case_serious="có", arrested="2",
                         case_reference="1/VA", weapons="1"))
    store.add("tip", tip(received_at="08:00 10/03/2026", unit_id=village, valuable="có",
                         transferred_at="09:00 12/03/2026", transferred_to="CQĐT",
                         case_solved="có", arrested="1", case_reference="2/VA"))
    store.add("tip", tip(received_at="08:00 31/03/2026", weapons="3"))
    store.add("tip", tip(received_at="00:00 01/04/2026"))  # the next quarter
    gone = store.add("tip", tip(received_at="08:00 11/03/2026")).id
    store.delete("tip", gone)
    got = tips.figures(conn, COMMUNE_ID, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert got.as_dict() == {"received": 3, "valuable": 2, "transferred": 2, "in_time": 1,
                             "solved": 2, "serious": 1, "arrested": 3, "weapons": 4}
    province = seed.unit_id("11", seed.CODE_VERSION_2025)
    assert tips.figures(conn, province, dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == got
