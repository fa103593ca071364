"""Hostile and broken files: each refused with a clear message, the database unchanged (a full
logical dump), the file left where it was, byte for byte, and a copy in the quarantine folder
(the reason in the audit log: it may quote a value of the bundle). A file that is not a bundle,
or a bundle for another site, is left alone and not copied."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import Node, make_node, tamper

from desktop.storage import audit, migrations
from desktop.sync import enrol, exchange, files


@pytest.fixture(autouse=True)
def change_lines(monkeypatch):
    """The bundles here are change lines, one field version a line (what a peer that did not
    say what it reads gets, and what every version reads for ever): the hostile lines below
    are change lines. Record lines: test_record_lines.py, test_record_format.py."""
    monkeypatch.setattr(exchange, "reads_records", lambda *_a: False)


def dump(node: Node) -> list[str]:
    return logical_dump(node.conn)


@pytest.fixture
def setup(network, tmp_path: Path):
    prov, (a, b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678"})
    [good] = a.export(tmp_path / "usb")
    return prov, a, b, good


def refused(node: Node, path: Path, expected: str, status: str = "refused") -> None:
    before, original = dump(node), path.read_bytes()
    [result] = node.import_(path)
    assert result.status == status, result
    assert expected in result.message, result.message
    assert dump(node) == before
    assert path.read_bytes() == original  # the stick is not ours: the file stays as it was
    if status != "refused":  # not a bundle, or not for this site: left alone, not copied
        assert result.quarantined_to is None
        assert not files.quarantine_dir(node.path).exists()
        return
    assert result.quarantined_to is not None
    assert result.quarantined_to.read_bytes() == original
    assert expected in logged_reason(node, path)
    assert result.quarantined_to.parent == files.quarantine_dir(node.path)


def logged_reason(node: Node, path: Path) -> str:
    """The refusal as the audit log keeps it; the note beside the copy does not repeat it."""
    note = files.quarantine_dir(node.path) / (path.name + ".reason.txt")
    assert "Nhật ký" in note.read_text("utf-8")
    [entry] = [e for e in audit.entries(node.conn, limit=10)
               if e.action == "bundle-import" and e.detail and e.detail["file"] == str(path)][:1]
    assert entry.detail is not None and entry.detail["status"] == "refused"
    message = str(entry.detail["message"])
    assert message not in note.read_text("utf-8")
    return message


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "bad" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("where", [0, 30, 200, 0.5, -20, -1])
def test_a_flipped_byte_anywhere(setup, tmp_path, where):
    prov, _a, _b, good = setup
    data = bytearray(good.read_bytes())
    i = int(len(data) * where) if isinstance(where, float) else where
    data[i] ^= 0x01
    if i == 0:  # no longer an age file: not a bundle at all
        refused(prov, write(tmp_path, "flip.vsb", bytes(data)), "không phải gói", "not-bundle")
    elif i == 30:  # the recipient stanza: age cannot tell it from one for another key
        refused(prov, write(tmp_path, "flip.vsb", bytes(data)), "phần đầu tệp bị hỏng",
                "not-for-us")
    else:
        refused(prov, write(tmp_path, "flip.vsb", bytes(data)), "gói")


@pytest.mark.parametrize("keep", [0.5, 0.9, -1])
def test_truncation(setup, tmp_path, keep):
    prov, _a, _b, good = setup
    data = good.read_bytes()
    cut = data[:int(len(data) * keep)] if isinstance(keep, float) else data[:keep]
    refused(prov, write(tmp_path, "cut.vsb", cut), "hỏng hoặc bị cắt cụt")


def test_wrong_recipient(setup, tmp_path):
    prov, a, b, _good = setup
    [for_prov] = a.export(tmp_path / "usb2")
    refused(b, for_prov, "gửi cho điểm khác", "not-for-us")


def test_recipient_list_naming_someone_else(setup, tmp_path):
    prov, a, b, good = setup

    def other(m):
        m["recipients"] = [{"site": b.site_id, "x25519": b.keys.public.recv_pub}]
    refused(prov, write(tmp_path, "fwd.vsb", tamper(a, good, prov, manifest=other)),
            "sai người nhận")


def test_unknown_signer(setup, tmp_path, master_db):
    prov, a, _b, good = setup
    stranger = make_node(master_db, tmp_path / "x", "stranger", commune="03334")
    try:
        def as_stranger(m):
            m["sender_site"] = stranger.site_id
        data = tamper(a, good, prov, manifest=as_stranger, signer=stranger.keys)
    finally:
        stranger.conn.close()
    refused(prov, write(tmp_path, "u.vsb", data), "chưa đăng ký")


def test_signature_by_another_key(setup, tmp_path):
    prov, a, b, good = setup
    refused(prov, write(tmp_path, "s.vsb", tamper(a, good, prov, signer=b.keys)),
            "chữ ký của gói không hợp lệ")


def test_revoked_signer(setup):
    prov, a, _b, good = setup
    enrol.revoke_site(prov.conn, a.site_id)
    refused(prov, good, "thu hồi")


def test_manifest_hash_mismatch(setup, tmp_path):
    prov, a, _b, good = setup

    def change_line(d, m):
        d["changes/000001.jsonl"] = d["changes/000001.jsonl"].replace("Sáng".encode(),
                                                                      b"Sang")
    refused(prov, write(tmp_path, "h.vsb", tamper(a, good, prov, members=change_line)),
            "mã băm")


def test_same_bundle_id_with_other_content(setup, tmp_path):
    prov, a, _b, good = setup
    copy = good.read_bytes()
    assert prov.import_(good)[0].status == "imported"

    def other(d, m):
        line = d["changes/000001.jsonl"].replace("Sáng".encode(), b"Sang")
        d["changes/000001.jsonl"] = line
        m["files"]["changes/000001.jsonl"]["sha256"] = hashlib.sha256(line).hexdigest()
        m["files"]["changes/000001.jsonl"]["bytes"] = len(line)
    original = write(tmp_path, "orig.vsb", copy)
    assert prov.import_(original)[0].status == "already"
    refused(prov, write(tmp_path, "same-id.vsb", tamper(a, original, prov, members=other)),
            "nội dung khác")


def test_zip_bomb(setup, tmp_path):
    prov, a, _b, good = setup

    def bomb(d, m):
        big = b"\n" * (40 << 20)
        d["changes/000002.jsonl"] = big
        m["files"]["changes/000002.jsonl"] = {
            "sha256": hashlib.sha256(big).hexdigest(), "bytes": len(big), "records": 0}
    refused(prov, write(tmp_path, "bomb.vsb", tamper(a, good, prov, members=bomb)), "bom zip")


@pytest.mark.parametrize("name", ["../x", "changes/../../x", "/etc/passwd", "extra.txt"])
def test_odd_member_names(setup, tmp_path, name):
    prov, a, _b, good = setup

    def add(d, m):
        d[name] = b"x"
        m["files"][name] = {"sha256": hashlib.sha256(b"x").hexdigest(), "bytes": 1,
                            "records": 0}
    refused(prov, write(tmp_path, "dots.vsb", tamper(a, good, prov, members=add)), "mục lạ")


def test_a_member_not_in_the_manifest(setup, tmp_path):
    prov, a, _b, good = setup

    def add(d, m):
        d["changes/000009.jsonl"] = b"{}\n"
    refused(prov, write(tmp_path, "extra.vsb", tamper(a, good, prov, members=add)),
            "không khớp với manifest")


def test_a_bundle_from_a_newer_schema(setup, tmp_path):
    prov, a, _b, good = setup

    def newer(m):
        m["schema_version"] = migrations.latest_version() + 5
        m["min_reader_schema"] = migrations.latest_version() + 1
    refused(prov, write(tmp_path, "new.vsb", tamper(a, good, prov, manifest=newer)),
            "cập nhật ANTQ Desk")


def test_a_line_outside_the_senders_partitions(setup, tmp_path):
    prov, a, b, good = setup

    def move(d, m):
        lines = d["changes/000001.jsonl"].decode().replace(f'"p":"{a.part}"',
                                                           f'"p":"{b.part}"').encode()
        d["changes/000001.jsonl"] = lines
        m["files"]["changes/000001.jsonl"].update(sha256=hashlib.sha256(lines).hexdigest(),
                                                  bytes=len(lines))
    refused(prov, write(tmp_path, "part.vsb", tamper(a, good, prov, members=move)),
            "phân vùng")


def test_a_hostile_field_name(setup, tmp_path):
    prov, a, _b, good = setup

    def field(d, m):
        lines = d["changes/000001.jsonl"].decode().replace('"f":"phone"',
                                                           '"f":"_part"').encode()
        d["changes/000001.jsonl"] = lines
        m["files"]["changes/000001.jsonl"].update(sha256=hashlib.sha256(lines).hexdigest(),
                                                  bytes=len(lines))
    refused(prov, write(tmp_path, "f.vsb", tamper(a, good, prov, members=field)),
            "tên trường không hợp lệ")


def test_an_empty_file(setup, tmp_path):
    prov, *_ = setup
    refused(prov, write(tmp_path, "empty.vsb", b""), "tệp rỗng", "not-bundle")


@pytest.mark.parametrize("data", [b"%PDF-1.4 not a bundle", b"PK\x03\x04" + b"\0" * 40,
                                  json.dumps({"format": "antq-sync-bundle"}).encode()])
def test_a_file_that_is_not_a_bundle(setup, tmp_path, data):
    prov, *_ = setup
    refused(prov, write(tmp_path, "notes.vsb", data), "không phải gói", "not-bundle")


def test_a_dry_run_of_a_hostile_file_moves_nothing(setup, tmp_path):
    prov, a, *_ = setup
    p = write(tmp_path, "cut.vsb", a.export(tmp_path / "u")[0].read_bytes()[:-1])
    before = dump(prov)
    [r] = prov.import_(p, dry_run=True)
    assert r.status == "refused" and p.exists() and dump(prov) == before
    assert not files.quarantine_dir(prov.path).exists()


def test_good_file_after_hostile_ones_still_imports(setup, tmp_path):
    prov, a, _b, good = setup
    bad = write(tmp_path, "cut.vsb", good.read_bytes()[:-1])
    results = prov.import_(bad, good)
    assert [r.status for r in results] == ["refused", "imported"]


def test_a_refusal_quoting_a_value_leaves_it_only_in_the_encrypted_database(setup, tmp_path):
    """The reason may quote the bundle's value (a phone, a CCCD, a name): the quarantine holds
    the age-encrypted copy and a note, neither of which shows it."""
    prov, a, _b, good = setup
    bad_phone = "09123456789999"

    def phone(d, m):
        lines = d["changes/000001.jsonl"].decode()
        assert '"0912345678"' in lines
        lines = lines.replace('"0912345678"', f'"{bad_phone}"').encode()
        d["changes/000001.jsonl"] = lines
        m["files"]["changes/000001.jsonl"].update(sha256=hashlib.sha256(lines).hexdigest(),
                                                  bytes=len(lines))
    path = write(tmp_path, "phone.vsb", tamper(a, good, prov, members=phone))
    refused(prov, path, bad_phone)  # the officer and the audit log are told the value
    quarantined = [p for p in files.quarantine_dir(prov.path).iterdir() if p.is_file()]
    assert len(quarantined) == 2
    for p in quarantined:
        assert bad_phone.encode() not in p.read_bytes(), p


@pytest.mark.parametrize(("first", "expected"), [
    (b'{"t":"person","pk":"\xff\xfe"', "không đọc được"),  # not UTF-8
    (b'{"t":"person","pk":"\\ud800"', "không đọc được"),  # a lone surrogate
    (b'{"t":"person","v":NaN', "không đọc được"),
    (b'{"t":"person","v":1e400', "không đọc được"),  # a number out of range
    (b'{"t":"person","v":' + b"[" * 5000 + b"]" * 5000, "không đọc được"),  # absurd nesting
    (b'{"t":"person"},{"t":"person"', "thiếu trường"),  # a line without the other fields
    (b'[1,2],{"t":"person"', "thiếu trường"),  # an array where a line's object is
    (b'{"t":"person","v":1.5', "giá trị"),  # types checked after decoding
    (b'{"t":"person","v":true', "giá trị"),
    (b'{"t":"person","h":-1', "phiên bản không hợp lệ"),
    (b'{"t":"person","h":123456789012345678901234567890', "phiên bản không hợp lệ"),
    (b'{"t":"person","hist":{}', "lịch sử phiên bản không hợp lệ"),
])
def test_a_hostile_change_line(setup, tmp_path, first, expected):
    """A change line's start replaced (its later keys win: "v", "h" and "hist" given twice
    take the new value's place); signed and hashed again, so only parsing and the checks
    after it can refuse it (issue 12: the lines are decoded by msgspec)."""
    prov, a, _b, good = setup

    def line(d, m):
        old = d["changes/000001.jsonl"]
        first_line, rest = old.split(b"\n", 1)
        if b'"v":' in first or b'"h":' in first or b'"hist":' in first:
            new = first_line[:-1] + b"," + first[len(b'{"t":"person",'):] + b"}"
        else:
            new = first + first_line[len(b'{"t":"person"'):]
        lines = new + b"\n" + rest
        d["changes/000001.jsonl"] = lines
        m["files"]["changes/000001.jsonl"].update(sha256=hashlib.sha256(lines).hexdigest(),
                                                  bytes=len(lines))
    refused(prov, write(tmp_path, "line.vsb", tamper(a, good, prov, members=line)), expected)
