"""The lists that show deleted records (`antq list … --deleted`, the count beside it) keep what
was typed: a name's words, a CCCD's or a phone's first digits, a word of another kind's text."""

from __future__ import annotations

from desktop.storage import records
from desktop.storage.writer import kind_named

PERSON = kind_named("person")


def _deleted(conn, kind, search: str) -> tuple[list[str], int]:
    q = records.Query(search=search, only_deleted=True)
    return ([str(r["id"]) for r in records.page(conn, kind, q, limit=-1)],
            records.count(conn, kind, q))


def test_the_deleted_people_are_searched_by_name_and_by_number(store, conn):
    an = store.add("person", {"full_name": "Lò Văn Ấn", "citizen_id": "011085000123",
                              "phone": "0912345678"}).id
    do = store.add("person", {"full_name": "Giàng A Dơ", "citizen_id": "011090000456"}).id
    kept = store.add("person", {"full_name": "Lò Thị Ấn"}).id
    store.delete("person", an)
    store.delete("person", do)
    assert _deleted(conn, PERSON, "an") == ([an], 1)  # the kept Lò Thị Ấn is not deleted
    assert _deleted(conn, PERSON, "giàng dơ") == ([do], 1)
    assert _deleted(conn, PERSON, "0110850") == ([an], 1)  # a CCCD's first digits
    assert _deleted(conn, PERSON, "0912") == ([an], 1)  # a phone's
    assert _deleted(conn, PERSON, "lo 011090") == ([], 0)  # both must hold
    assert sorted(_deleted(conn, PERSON, "")[0]) == sorted([an, do])
    everyone = records.Query(search="ấn", include_deleted=True)
    assert sorted(str(r["id"]) for r in records.page(conn, PERSON, everyone, limit=-1)) == \
        sorted([an, kept])


def test_another_kinds_deleted_records_are_searched_by_their_words(store, conn):
    kind = kind_named("deed")
    person = store.add("person", {"full_name": "Vàng A Chứ"}).id
    found = store.add("deed", {"person_id": person, "description": "Bắt giữ kẻ trộm cắp",
                                 "deed_date": "01/02/2026"}).id
    other = store.add("deed", {"person_id": person, "description": "Cứu người đuối nước",
                                 "deed_date": "02/02/2026"}).id
    store.delete("deed", found)
    store.delete("deed", other)
    assert _deleted(conn, kind, "trom cap") == ([found], 1)
