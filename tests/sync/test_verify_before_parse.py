"""Verify before parse (issue 10, finding 6): the signature is checked over the raw bytes
before any ZIP or JSON work; sizes, counts and nesting are bounded before reading; one bad
file is reported and the batch goes on."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pyrage
import pytest
from dbkit import logical_dump
from synckit import Node, tamper

from desktop.sync import bundle, exchange, keys


@pytest.fixture(autouse=True)
def change_lines(monkeypatch):
    """The bundles here are change lines, one field version a line (what a peer that did not
    say what it reads gets, and what every version reads for ever): the hostile lines below
    are change lines. Record lines: test_record_lines.py, test_record_format.py."""
    monkeypatch.setattr(exchange, "reads_records", lambda *_a: False)


@pytest.fixture
def setup(network, tmp_path: Path):
    prov, (a, b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678"})
    [good] = a.export(tmp_path / "usb")
    return prov, a, b, good


def dump(node: Node) -> list[str]:
    return logical_dump(node.conn)


def nested_zip(depth: int = 100_000) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", "[" * depth + "]" * depth)
    return buf.getvalue()


def to(node: Node, plain: bytes) -> bytes:
    return pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(node.keys.public.recv_pub)])


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "stick" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any JSON or ZIP work the bundle module does (called from bundle.py)."""
    calls: list[str] = []
    real_loads, real_zip = bundle.json.loads, bundle.zipfile.ZipFile

    def from_bundle() -> bool:
        return sys._getframe(2).f_code.co_filename == bundle.__file__

    def loads(*a, **k):
        if from_bundle():
            calls.append("json")
        return real_loads(*a, **k)

    def zip_(*a, **k):
        if from_bundle():
            calls.append("zip")
        return real_zip(*a, **k)
    monkeypatch.setattr(bundle.json, "loads", loads)
    monkeypatch.setattr(bundle.zipfile, "ZipFile", zip_)
    return calls


def test_an_unsigned_nested_manifest_is_refused_before_any_parsing(setup, tmp_path,
                                                                   monkeypatch):
    prov, a, _b, good = setup
    forged = bytearray(bundle.seal(a.keys, nested_zip()))
    sig_at = forged.index(b"\nsig ") + 5
    forged[sig_at:sig_at + 4] = b"AAAA"  # a signature that does not verify
    bad = put(tmp_path, "nested.vsb", to(prov, bytes(forged)))
    calls = no_parsing(monkeypatch)
    before = dump(prov)
    [r] = prov.import_(bad)
    assert r.status == "refused" and "chữ ký" in r.message
    assert calls == [] and dump(prov) == before  # no ZIP opened, no JSON read
    results = prov.import_(bad, good)  # and the batch goes on after it
    assert [r.status for r in results] == ["refused", "imported"]


def test_a_format_1_file_is_refused_without_reading_its_manifest(setup, tmp_path,
                                                                 monkeypatch):
    prov, *_ = setup
    calls = no_parsing(monkeypatch)
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, "old.vsb", to(prov, nested_zip())))
    assert r.status == "refused" and "định dạng 1" in r.message
    assert calls == [] and dump(prov) == before


def test_a_signed_but_absurdly_nested_manifest(setup, tmp_path):
    prov, a, _b, _good = setup
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, "deep.vsb", to(prov, bundle.seal(a.keys, nested_zip()))))
    assert r.status == "refused" and "manifest" in r.message
    assert dump(prov) == before


def test_a_nested_change_line(setup, tmp_path):
    prov, a, _b, good = setup

    def deep(d, m):
        line = b'{"t":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
        d["changes/000001.jsonl"] = line
        m["files"]["changes/000001.jsonl"].update(
            sha256=__import__("hashlib").sha256(line).hexdigest(), bytes=len(line))
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, "line.vsb", tamper(a, good, prov, members=deep)))
    assert r.status == "refused" and "không đọc được" in r.message
    assert dump(prov) == before


def test_too_many_zip_entries_are_refused_before_the_directory_is_read(setup, tmp_path,
                                                                       monkeypatch):
    prov, a, _b, _good = setup
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", b"{}")
        for i in range(bundle.MAX_MEMBERS):
            zf.writestr(f"attachments/{i:064x}", b"")
    path = put(tmp_path, "many.vsb", to(prov, bundle.seal(a.keys, buf.getvalue())))
    calls = no_parsing(monkeypatch)
    [r] = prov.import_(path)
    assert r.status == "refused" and "quá nhiều mục" in r.message
    assert calls == []


def test_too_many_changes_declared(setup, tmp_path):
    prov, a, _b, good = setup

    def many(d, m):
        m["files"]["changes/000001.jsonl"]["records"] = bundle.MAX_CHANGES + 1
    [r] = prov.import_(put(tmp_path, "lines.vsb", tamper(a, good, prov, members=many)))
    assert r.status == "refused" and "quá nhiều thay đổi" in r.message


@pytest.mark.parametrize("header", [
    b"ANTQ-VSB/2\n",                                  # cut after the magic
    b"ANTQ-VSB/2\nsite \n",                           # empty site id
    b"ANTQ-VSB/2\nsite ../../etc\n",                  # not an id
    b"ANTQ-VSB/2\nsite " + b"a" * 70 + b"\n",          # too long
    b"ANTQ-VSB/2\nsite abc\nkey {json}\n",            # not a key
    b"ANTQ-VSB/2\n" + b"x" * (bundle.MAX_HEADER_BYTES + 10),  # no end of line in bounds
])
def test_malformed_headers(setup, tmp_path, header):
    prov, *_ = setup
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, "h.vsb", to(prov, header + b"PK")))
    assert r.status == "refused" and "phần đầu" in r.message
    assert dump(prov) == before


def test_the_signature_covers_the_header(setup, tmp_path):
    """Swapping the named site (to another enrolled commune) breaks the signature."""
    prov, a, b, good = setup
    plain = pyrage.decrypt(good.read_bytes(), [a.keys.identity])
    swapped = plain.replace(a.site_id.encode(), b.site_id.encode(), 1)
    [r] = prov.import_(put(tmp_path, "swap.vsb", to(prov, swapped)))
    assert r.status == "refused" and "chữ ký" in r.message


def test_a_rotation_step_is_verified_before_it_is_read(setup, tmp_path, monkeypatch):
    """A header naming an unknown key with a junk rotation step: refused, and the step's
    body (unsigned by any key we know) was never parsed."""
    prov, a, b, good = setup
    junk = {"body": "[" * 5000 + "]" * 5000, "sig": keys.b64(b.keys.sign(b"x"))}
    data = tamper(a, good, prov, signer=b.keys, rotations=[junk])
    calls = no_parsing(monkeypatch)
    [r] = prov.import_(put(tmp_path, "rot.vsb", data))
    assert r.status == "refused" and "chữ ký" in r.message
    assert calls == []


def test_the_json_depth_check():
    assert bundle.json_depth_ok(b'{"a": [1, {"b": "[[[[[[[[[[[["}]}', 3)
    assert not bundle.json_depth_ok(b"[[[[]]]]", 3)
    assert bundle.json_depth_ok(json.dumps({"s": "\\\"[[[["}).encode(), 1)
