"""Issue 14, finding 7: a bundle's file is named for people (from whom, to whom, the day),
an import's result names the site that sent it, a refusal names a catalogue in words; any
file name still imports, since the signed header says who sent it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from synckit import Node, rewrite

from desktop.i18n import activate


def test_bundles_are_named_from_whom_to_whom_and_when(network, tmp_path):
    prov, (a, b) = network(2)
    today = dt.date.today().isoformat()
    [up] = a.export(tmp_path / "usb", to=prov)
    assert up.name == f"xa-muong-nhe_tinh-dien-bien_{today}_1.vsb"
    down = sorted(p.name for p in prov.export(tmp_path / "usb"))
    assert down == [f"tinh-dien-bien_xa-bung-lao_{today}_1.vsb",
                    f"tinh-dien-bien_xa-muong-nhe_{today}_1.vsb"]
    # A second bundle the same day beside the first, which stays as it was.
    first = up.read_bytes()
    a.store.add("person", {"full_name": "Giàng A Páo"})
    [again] = a.export(tmp_path / "usb", to=prov)
    assert again.name == f"xa-muong-nhe_tinh-dien-bien_{today}_2.vsb"
    assert up.read_bytes() == first


def test_an_import_names_the_sender_whatever_the_file_is_called(network, tmp_path):
    prov, (a, _b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [path] = a.export(tmp_path / "usb", to=prov)
    renamed = path.rename(path.with_name("goi-cua-ai-do.vsb"))
    [r] = prov.import_(renamed)
    assert r.status == "imported", r.message
    assert r.message.startswith(f"goi-cua-ai-do.vsb: gói của {a.name}: ")
    assert re.search(r"\d+ thay đổi, \d+ được áp dụng, 1 bản ghi mới, 0 xung đột mới$",
                     r.message), r.message
    [again] = prov.import_(renamed)
    assert again.status == "already" and f"gói của {a.name}" in again.message


def test_english_counts_have_plurals(network, tmp_path):
    prov, (a, _b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [path] = a.export(tmp_path / "usb", to=prov)
    try:
        activate("en")
        [r] = prov.import_(path)
    finally:
        activate("vi")
    assert f"bundle from {a.name}: " in r.message
    assert "1 new record," in r.message and "0 new conflicts" in r.message, r.message


def _with_ethnicity(a: Node, path: Path, prov: Node, code: str) -> Path:
    def line(o):
        if o["t"] == "person" and o["f"] == "phone":
            o["f"], o["v"] = "ethnicity", code
    out = path.with_name("hostile.vsb")
    out.write_bytes(rewrite(a, path, prov, line=line))
    return out


def test_a_refused_code_names_its_catalogue_in_words(network, tmp_path):
    prov, (a, _b) = network(2)
    a.store.add("person", {"full_name": "Quàng Thị Hoa", "phone": "0987654321"})
    [path] = a.export(tmp_path / "usb", to=prov)
    [r] = prov.import_(_with_ethnicity(a, path, prov, "klingon"))
    assert r.status == "refused"
    assert "không có trong danh mục Dân tộc của điểm này" in r.message, r.message
    assert "danh mục ethnicity" not in r.message
    assert "trường Dân tộc (ethnicity)" in r.message
