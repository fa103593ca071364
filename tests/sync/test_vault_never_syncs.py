"""A tip travels to the province with its source code and counts; its informant's identity never
enters the bundle and never reaches the province (issue 13). The bundle is decrypted and every
member searched for the identity, as is every byte the province's database holds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyrage
import pytest
from dbkit import TEST_PASSWORD, TEST_USER

from desktop.domain.errors import UserError
from desktop.storage import accounts, db, seed, vault

IDENTITY = {"full_name": "Vừ Thị Khuyết Danh", "citizen_id": "011190004321",
            "phone": "0912 468 024", "address": "Ngõ Quýt Ngọt",
            "notes": "Liên lạc qua mật hiệu Xuyếnchi"}
NEEDLES = ("Vừ Thị Khuyết Danh", "Khuyết", "khuyet", "011190004321", "0912468024",
           "Ngõ Quýt Ngọt", "quyt", "Xuyếnchi", "xuyenchi")
TIP_WORD = "Pachenxai"


def never_in(data: bytes, where: str) -> None:
    for needle in NEEDLES:
        assert needle.encode() not in data, f"«{needle}» found in {where}"


def bundle_members(path: Path, identity) -> bytes:
    """Every byte inside the bundle, decrypted and unzipped."""
    plain = pyrage.decrypt(path.read_bytes(), [identity])
    body = plain[plain.index(b"\nsig ") + 1:]
    body = body[body.index(b"\n") + 1:]
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return plain + b"".join(z.read(n) for n in z.namelist())


def test_the_tip_reaches_the_province_without_the_identity(network, tmp_path):
    prov, (commune, _other) = network()
    conn, _account, _notes = accounts.login(commune.path, TEST_USER, TEST_PASSWORD)
    from desktop.storage.writer import Store

    tip_id = Store(conn).add("tip", {
        "received_at": "08:30 20/11/2026", "channel": "Qua Tổ bảo vệ ANTT",
        "category": "Ma túy", "summary": f"Có người bán ma túy ở bản {TIP_WORD}",
        "unit_id": seed.unit_id(commune.part, seed.CODE_VERSION_2025), "valuable": "có",
        "transferred_at": "09:00 20/11/2026", "transferred_to": "Cơ quan CSĐT",
        "case_solved": "có", "arrested": "3", "case_reference": "27/VA"}).id
    code = str(conn.execute("SELECT source_code FROM tip WHERE id = ?", (tip_id,)).fetchone()[0])
    vault.add(conn, code, IDENTITY)
    vault.open_identity(conn, code)
    conn.close()

    (bundle,) = commune.export(tmp_path / "stick", to=prov)
    data = bundle_members(bundle, commune.keys.identity)
    assert code.encode() in data and TIP_WORD.encode() in data
    assert b"informant" not in data and b"vault" not in data
    never_in(data, "the bundle")

    (result,) = prov.import_(bundle)
    assert result.status == "imported", result.message
    row = prov.conn.execute("SELECT source_code, valuable, case_solved, arrested FROM tip "
                            "WHERE id = ?", (tip_id,)).fetchone()
    assert tuple(row) == (code, 1, 1, 3)
    assert prov.conn.execute("SELECT count(*) FROM informant").fetchone()[0] == 0
    # Nor can one be added there: identities stay at the commune that received the tip.
    chief_at_province, _a, _n = accounts.login(prov.path, TEST_USER, TEST_PASSWORD)
    with pytest.raises(UserError, match="Công an xã"):
        vault.add(chief_at_province, code, IDENTITY)
    chief_at_province.close()
    plain = tmp_path / "province-plain.db"
    prov.conn.execute(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
    prov.conn.execute("SELECT sqlcipher_export('plain')")
    prov.conn.execute("DETACH DATABASE plain")
    everything = plain.read_bytes()
    assert TIP_WORD.encode() in everything
    never_in(everything, "the province's database")
    db.forget_key(commune.path)
