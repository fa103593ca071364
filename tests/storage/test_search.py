from __future__ import annotations

import pytest

from desktop.storage import search


@pytest.fixture
def people(store, village):
    names = ["Nguyễn Văn Đức", "Nguyễn Văn Dũng", "Nguyễn Thị Đức Hạnh", "Lò Văn Đức",
             "Trần Đức Nguyên", "Ðinh Văn Hùng"]  # the last with a legacy Eth (U+00D0)
    return {n: store.add("person", {"full_name": n, "residence_unit_id": village}).id
            for n in names}


def titles(conn, q, **kw):
    return [h.title for h in search.search(conn, q, **kw)]


def test_search_without_diacritics_finds_the_vietnamese_name(conn, people):
    found = titles(conn, "nguyen van duc")
    assert found[0] == "Nguyễn Văn Đức"
    assert "Nguyễn Văn Dũng" not in found


def test_prefixes_of_every_word_match_and_title_prefix_ranks_first(conn, people):
    assert titles(conn, "ng v d")[:2] == ["Nguyễn Văn Dũng", "Nguyễn Văn Đức"]
    assert set(titles(conn, "duc")) == {"Nguyễn Văn Đức", "Nguyễn Thị Đức Hạnh", "Lò Văn Đức",
                                        "Trần Đức Nguyên"}
    assert titles(conn, "dinh") == ["Đinh Văn Hùng"]  # stored as Đ, found as d
    # Every word must match, in any order; the words in the order typed rank first.
    assert titles(conn, "ĐỨC NGUY")[0] == "Trần Đức Nguyên"
    assert set(titles(conn, "ĐỨC NGUY")) == {"Trần Đức Nguyên", "Nguyễn Văn Đức",
                                             "Nguyễn Thị Đức Hạnh"}


def test_typing_fts_syntax_is_harmless(conn, people):
    for q in ['"', "*", "duc AND", "NOT duc", "duc)", "-duc", "nguyen:", "^", ""]:
        search.search(conn, q)  # must not raise


def test_edits_and_deletes_reach_the_index(store, conn, people):
    pid = people["Lò Văn Đức"]
    store.edit("person", pid, {"full_name": "Lò Văn Phúc"})
    assert "Lò Văn Phúc" in titles(conn, "phuc")
    assert "Lò Văn Đức" not in titles(conn, "lo van duc")
    store.delete("person", pid)
    assert titles(conn, "phuc") == []
    store.restore("person", pid)
    assert titles(conn, "phuc") == ["Lò Văn Phúc"]


def test_citizen_id_and_phone_are_searchable(store, conn):
    store.add("person", {"full_name": "Sùng A Páo", "citizen_id": "011085000123",
                         "phone": "0912345678"})
    assert titles(conn, "011085") == ["Sùng A Páo"]
    assert titles(conn, "0912345678") == ["Sùng A Páo"]


def test_organizations_and_minutes_are_found_too(store, conn, village, people):
    org = store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                     "org_type": "Tổ bảo vệ ANTT", "unit_id": village}).id
    store.add("meeting", {"organization_id": org, "title": "Họp bình xét cuối năm",
                          "started_at": "08:00 15/11/2026", "content": "Bình xét thành viên"})
    kinds = {h.kind for h in search.search(conn, "huoi lech")}
    assert kinds == {"organization"}
    assert [h.kind for h in search.search(conn, "binh xet")] == ["meeting"]
    assert {h.kind for h in search.search(conn, "huoi", kinds=("person",))} == set()


def test_a_number_of_any_length_finds_the_cccd_and_phones_beginning_with_it(store, conn):
    store.add("person", {"full_name": "Sùng A Páo", "citizen_id": "011085000123",
                         "phone": "0912345678"})
    store.add("person", {"full_name": "Lò Thị Xuân", "citizen_id": "011185000124",
                         "phone": "+84912000111"})
    store.add("person", {"full_name": "Giàng A Dế", "citizen_id": "011090000125"})
    assert titles(conn, "0110") == ["Sùng A Páo", "Giàng A Dế"]  # in the number's order
    assert titles(conn, "0") == ["Sùng A Páo", "Giàng A Dế", "Lò Thị Xuân"]
    assert titles(conn, "01118500012") == ["Lò Thị Xuân"]
    assert titles(conn, "8491") == ["Lò Thị Xuân"]  # the phone written with +84
    assert titles(conn, "09123") == ["Sùng A Páo"]
    assert titles(conn, "0113") == []
