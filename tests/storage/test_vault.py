"""The informant vault (issue 13): only the chief's accounts and the handlers a chief names
open an identity, and the identity never enters a print, an export, a search index, the audit
log's readable text, a backup readable without a granted account's password, or the database
as an officer's password opens it. Each "never" is a test that searches the output for the
informant's name, CCCD, phone, address and notes (and finds the tip's own words there, so the
search is known to look where it should). The bundle: tests/sync/test_vault_never_syncs.py."""

from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database

from desktop import cli
from desktop.domain import text
from desktop.domain.errors import UserError
from desktop.reports.export import export_kind
from desktop.reports.tips import render_tip_list
from desktop.storage import accounts, audit, backup, db, dbapi, keyfile, seed, site, vault
from desktop.storage.writer import Store

COMMUNE = "03160"
COMMUNE_ID = seed.unit_id(COMMUNE, seed.CODE_VERSION_2025)
OFFICER, VIEWER, PROVINCE = "canbo", "xem", "tinh"
PW = "mật khẩu cán bộ xã"
IDENTITY = {"full_name": "Vừ Thị Khuyết Danh", "citizen_id": "011190004321",
            "phone": "0912 468 024", "address": "Ngõ Quýt Ngọt",
            "notes": "Liên lạc qua mật hiệu Xuyếnchi"}
# What must never show: each value as stored, and the name and address folded as the search
# index would hold them.
NEEDLES = ("Vừ Thị Khuyết Danh", "Khuyết", "khuyet", "011190004321", "0912468024",
           "Ngõ Quýt Ngọt", "Quýt", "quyt", "mật hiệu Xuyếnchi", "Xuyếnchi", "xuyenchi")
# The tip's own words, which every output does hold.
TIP_WORD = "Pachenxai"


def never_in(haystack: str | bytes, where: str) -> None:
    for needle in NEEDLES:
        found = needle.encode() in haystack if isinstance(haystack, bytes) \
            else needle in haystack
        assert not found, f"«{needle}» found in {where}"


@dataclass
class Post:
    path: Path
    code: str  # the tip's source code
    tip_id: str


def login(path: Path, name: str, password: str = PW) -> dbapi.Connection:
    conn, _account, _notes = accounts.login(path, name, password)
    return conn


def chief(path: Path) -> dbapi.Connection:
    return login(path, TEST_USER, TEST_PASSWORD)


@pytest.fixture
def post(master_db: Path, tmp_path: Path) -> Post:
    """A commune: its chief, an officer, a viewer, a province reviewer; a tip whose informant
    the chief put in the vault."""
    path = copy_database(master_db, tmp_path / "xa.db")
    conn = chief(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    for name, role in ((OFFICER, "officer"), (VIEWER, "viewer"), (PROVINCE, "province")):
        accounts.add(conn, name, role, PW)
    tip_id = Store(conn).add("tip", {
        "received_at": "08:30 20/11/2026", "channel": "Trực tiếp", "category": "Ma túy",
        "unit_id": COMMUNE_ID, "summary": f"Báo tin có người bán ma túy ở bản {TIP_WORD}",
        "record_number": "15/BB-CAX", "valuable": "có",
        "transferred_at": "10:00 20/11/2026", "transferred_to": "Cơ quan CSĐT Công an tỉnh",
        "case_solved": "có", "arrested": "2", "case_reference": "27/VA"}).id
    code = str(conn.execute("SELECT source_code FROM tip WHERE id = ?", (tip_id,)).fetchone()[0])
    vault.add(conn, code, IDENTITY)
    conn.close()
    db.forget_key(path)
    return Post(path, code, tip_id)


def plain_copy(path: Path, key: bytes, out: Path) -> bytes:
    """Every byte a holder of the database key can read: a plain export of the file."""
    conn = db.open_file(path, key)
    conn.execute(f"ATTACH DATABASE '{out}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    return out.read_bytes()


# -- who opens ---------------------------------------------------------------------------

def test_the_chief_reads_back_the_identity_and_opening_it_is_logged(post):
    conn = chief(post.path)
    got = vault.open_identity(conn, post.code)
    assert got == {"full_name": "Vừ Thị Khuyết Danh", "citizen_id": "011190004321",
                   "phone": "0912468024", "address": "Ngõ Quýt Ngọt",
                   "notes": "Liên lạc qua mật hiệu Xuyếnchi"}
    opened = [e for e in audit.entries(conn) if e.action == "vault-open"]
    assert [(e.actor, e.tbl, e.pk, e.detail) for e in opened] == [
        (TEST_USER, "informant", post.code, {"source_code": post.code})]
    # As the log reads (antq audit list, the Nhật ký page): the action and the code.
    assert audit.action_label(opened[0].action) == "Mở danh tính người cung cấp tin"
    assert audit.subject(opened[0]) == f"Nguồn tin {post.code}"
    conn.close()


@pytest.mark.parametrize("name", [OFFICER, VIEWER, PROVINCE])
def test_no_one_else_opens_or_adds(post, name):
    conn = login(post.path, name)
    assert not vault.may_open(conn)
    with pytest.raises(accounts.PermissionDenied, match="không được xem danh tính"):
        vault.open_identity(conn, post.code)
    with pytest.raises(accounts.PermissionDenied):
        vault.add(conn, post.code, {"full_name": "Người khác"})
    with pytest.raises(accounts.PermissionDenied):
        vault.grant(conn, OFFICER)
    conn.close()


def test_an_officer_is_told_in_one_line_naming_the_role(post, monkeypatch, capsys):
    monkeypatch.setenv(accounts.USER_ENV, OFFICER)
    monkeypatch.setenv(accounts.PASSWORD_ENV, PW)
    assert cli.main(["show", "informant", post.code, "--db", str(post.path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "«canbo» (cán bộ)" in err[0]
    never_in(err[0], "the refusal")
    assert cli.main(["add", "informant", f"source_code={post.code}", "full_name=Ai đó",
                     "--db", str(post.path)]) == 2
    assert cli.main(["vault", "grant", OFFICER, "--db", str(post.path)]) == 2


def test_the_chief_adds_shows_and_edits_from_the_command_line(post, monkeypatch, capsys):
    conn = chief(post.path)
    other = Store(conn).add("tip", {"received_at": "07:00 21/11/2026", "channel": "Điện thoại",
                                    "unit_id": COMMUNE_ID, "summary": "Tin về trộm trâu"}).id
    code = str(conn.execute("SELECT source_code FROM tip WHERE id = ?", (other,)).fetchone()[0])
    conn.close()
    args = ["--db", str(post.path)]
    assert cli.main(["add", "informant", f"source_code={code.lower()}", "full_name=Lò Văn Tin",
                     "phone=0987.654.321", *args]) == 0
    assert cli.main(["edit", "informant", code, "address=Bản Huổi Lếch", *args]) == 0
    capsys.readouterr()
    assert cli.main(["show", "informant", code, *args]) == 0
    out = capsys.readouterr().out
    assert "full_name: Lò Văn Tin" in out and "phone: 0987654321" in out
    assert "address: Bản Huổi Lếch" in out
    # A tip that does not exist, a second identity for the same code, a bad field.
    assert cli.main(["add", "informant", "source_code=NT-2026-0999", "full_name=X", *args]) == 2
    assert cli.main(["add", "informant", f"source_code={code}", "full_name=X", *args]) == 2
    assert cli.main(["add", "informant", "source_code=NT-2026-0002", "full_name=X",
                     "citizen_id=123", *args]) == 2
    err = capsys.readouterr().err.splitlines()[-1]  # names the field (by name or label)
    assert "citizen_id" in err or "Số định danh cá nhân (CCCD)" in err


# -- handlers ------------------------------------------------------------------------------

def test_a_handler_granted_opens_and_once_revoked_does_not(post, monkeypatch, capsys):
    monkeypatch.setenv(accounts.USER_ENV, TEST_USER)
    monkeypatch.setenv(accounts.PASSWORD_ENV, TEST_PASSWORD)
    assert cli.main(["vault", "grant", OFFICER, "--db", str(post.path)]) == 0
    conn = login(post.path, OFFICER)
    assert vault.open_identity(conn, post.code)["full_name"] == IDENTITY["full_name"]
    conn.close()
    assert cli.main(["vault", "list", "--db", str(post.path)]) == 0
    assert f"{OFFICER}\t{TEST_USER}" in capsys.readouterr().out
    assert cli.main(["vault", "revoke", OFFICER, "--db", str(post.path)]) == 0
    conn = login(post.path, OFFICER)
    with pytest.raises(accounts.PermissionDenied):
        vault.open_identity(conn, post.code)
    conn.close()
    conn = chief(post.path)
    actions = [(e.action, e.actor, e.detail) for e in audit.entries(conn)
               if e.action.startswith("vault-") and e.action != "vault-add"]
    assert actions[::-1] == [("vault-grant", TEST_USER, {"name": OFFICER}),
                             ("vault-open", OFFICER, {"source_code": post.code}),
                             ("vault-revoke", TEST_USER, {"name": OFFICER})]
    conn.close()


def test_only_officers_are_named_handlers(post):
    conn = chief(post.path)
    for name in (VIEWER, PROVINCE):
        with pytest.raises(UserError, match="cán bộ"):
            vault.grant(conn, name)
    with pytest.raises(UserError, match="chỉ huy"):
        vault.revoke(conn, TEST_USER)
    conn.close()


def test_a_password_change_keeps_access(post):
    conn = chief(post.path)
    vault.grant(conn, OFFICER)
    assert accounts.change_password(conn, TEST_USER, "mật khẩu mới của chỉ huy") is None
    conn.close()
    db.forget_key(post.path)
    conn = login(post.path, TEST_USER, "mật khẩu mới của chỉ huy")
    assert vault.open_identity(conn, post.code)["citizen_id"] == "011190004321"
    conn.close()
    conn = login(post.path, OFFICER)
    assert accounts.change_password(conn, OFFICER, "mật khẩu mới cán bộ") is None
    conn.close()
    conn = login(post.path, OFFICER, "mật khẩu mới cán bộ")
    assert vault.open_identity(conn, post.code)["phone"] == "0912468024"
    conn.close()


def test_a_reset_by_the_chief_drops_the_grant_and_says_so(post):
    conn = chief(post.path)
    vault.grant(conn, OFFICER)
    note = accounts.change_password(conn, OFFICER, "mật khẩu do chỉ huy đặt")
    assert note is not None and "antq vault grant canbo" in note
    conn.close()
    conn = login(post.path, OFFICER, "mật khẩu do chỉ huy đặt")
    with pytest.raises(accounts.PermissionDenied):
        vault.open_identity(conn, post.code)
    conn.close()
    conn = chief(post.path)
    vault.grant(conn, OFFICER)
    conn.close()
    conn = login(post.path, OFFICER, "mật khẩu do chỉ huy đặt")
    assert vault.open_identity(conn, post.code)["full_name"] == IDENTITY["full_name"]
    conn.close()


def test_a_second_chief_gets_the_key_when_the_first_opens_the_vault(post):
    conn = chief(post.path)
    accounts.add(conn, "phochief", "chief", PW)
    conn.close()
    conn = login(post.path, "phochief")
    with pytest.raises(UserError, match="cần mở kho một lần"):
        vault.open_identity(conn, post.code)
    conn.close()
    conn = chief(post.path)
    vault.open_identity(conn, post.code)
    # The only holder's password cannot be reset away while others may open.
    conn.close()
    conn = login(post.path, "phochief")
    assert vault.open_identity(conn, post.code)["full_name"] == IDENTITY["full_name"]
    conn.close()


def test_the_last_holder_cannot_be_reset_or_disabled_away(post):
    conn = chief(post.path)
    accounts.add(conn, "phochief", "chief", PW)
    conn.close()
    conn = login(post.path, "phochief")
    with pytest.raises(UserError, match="duy nhất"):
        accounts.change_password(conn, TEST_USER, "mật khẩu bị đặt lại")
    with pytest.raises(UserError, match="duy nhất"):
        accounts.disable(conn, TEST_USER)
    conn.close()
    conn = login(post.path, TEST_USER, TEST_PASSWORD)  # the old password still opens
    assert vault.open_identity(conn, post.code)
    conn.close()


# -- never ---------------------------------------------------------------------------------

def test_never_in_the_printed_list(post, tmp_path):
    conn = chief(post.path)
    pdf = tmp_path / "tips.pdf"
    pdf.write_bytes(render_tip_list(conn, COMMUNE_ID))
    conn.close()
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert post.code in words and TIP_WORD in words and "27/VA" in words
    never_in(words, "the printed list")
    never_in(text.fold(words), "the printed list, folded")


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_never_in_an_export(post, tmp_path, suffix):
    conn = chief(post.path)
    out = tmp_path / f"tips.{suffix}"
    assert export_kind(conn, "tip", out) == 1
    conn.close()
    if suffix == "csv":
        data = out.read_bytes()
    else:
        with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as z:
            data = b"".join(z.read(n) for n in z.namelist())
    assert post.code.encode() in data and TIP_WORD.encode() in data
    never_in(data, f"the {suffix} export")


def test_never_in_the_search_index(post):
    conn = chief(post.path)
    from desktop.storage import search

    assert [h.id for h in search.search(conn, TIP_WORD, kinds=("tip",))] == [post.tip_id]
    for needle in NEEDLES:
        assert not search.search(conn, needle, kinds=tuple(
            k for k in ("person", "organization", "meeting", "model", "deed", "tip"))), needle
    fts = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name GLOB '*_fts'")]
    assert "tip_fts" in fts
    for table in fts:
        for word in ("khuyet", "011190004321", "0912468024", "quyt", "xuyenchi"):
            hits = conn.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?",
                                (f'"{word}"',)).fetchone()[0]
            assert hits == 0, (table, word)
    assert conn.execute("SELECT count(*) FROM tip_fts WHERE tip_fts MATCH ?",
                        (f'"{text.fold(TIP_WORD)}"',)).fetchone()[0] == 1
    conn.close()


def test_never_in_the_audit_logs_readable_text(post):
    conn = chief(post.path)
    vault.open_identity(conn, post.code)
    vault.edit(conn, post.code, {"notes": "Mật hiệu Xuyếnchi, lần hai"})
    entries = list(audit.iter_entries(conn))
    assert {e.action for e in entries} >= {"vault-add", "vault-open", "vault-edit", "create"}
    readable = "\n".join(repr(e.as_dict()) for e in entries)
    assert TIP_WORD in readable  # the tip's creation is in it
    never_in(readable, "the audit log")
    raw = "\n".join(repr(tuple(r)) for r in conn.execute("SELECT * FROM audit_log"))
    never_in(raw, "the audit_log table")
    assert audit.verify(conn).intact
    conn.close()


def test_never_in_the_database_an_officers_password_opens(post, tmp_path):
    key = keyfile.unlock(post.path, OFFICER, PW)
    data = plain_copy(post.path, key, tmp_path / "plain.db")
    assert TIP_WORD.encode() in data and b"pachenxai" in data  # the row and its index
    never_in(data, "the database as the officer reads it")
    conn = login(post.path, OFFICER)
    (sealed,) = conn.execute("SELECT sealed FROM informant WHERE source_code = ?",
                             (post.code,)).fetchone()
    assert isinstance(sealed, bytes) and len(sealed) > 40
    # Every key the officer's password yields opens no grant.
    secret: list[bytes] = []
    keyfile.unlock(post.path, OFFICER, PW, secret_out=secret)
    private = db.account_key(post.path, OFFICER)
    assert private is not None
    for name, wrapped in conn.execute("SELECT name, wrapped FROM vault_grant"):
        assert vault.unwrap_with(private, name, wrapped) is None
        assert vault.unwrap_with(private, OFFICER, wrapped) is None
    conn.close()


def test_a_backup_opens_only_with_a_granted_accounts_password(post, tmp_path):
    conn = chief(post.path)
    made = backup.backup_now(conn, post.path, "manual")
    conn.close()
    db.forget_key(post.path)
    # The officer's password unwraps the database key, which opens the backup: the identity
    # is not in it readably.
    key = keyfile.unlock(post.path, OFFICER, PW)
    data = plain_copy(made, key, tmp_path / "plain-backup.db")
    assert TIP_WORD.encode() in data
    never_in(data, "the backup as the officer reads it")
    # The chief's password opens it: the key file of the database goes with the backup.
    restored = copy_database(post.path, tmp_path / "restored.db")
    restored.write_bytes(made.read_bytes())
    conn = chief(restored)
    assert vault.open_identity(conn, post.code) == vault.open_identity(conn, post.code)
    assert vault.open_identity(conn, post.code)["full_name"] == IDENTITY["full_name"]
    conn.close()
    conn = login(restored, OFFICER)
    with pytest.raises(accounts.PermissionDenied):
        vault.open_identity(conn, post.code)
    conn.close()


def test_a_backup_from_before_a_password_change_opens_with_the_new_password(post):
    """The database put back holds the chief's key sealed under the old password; the key
    file (not restored) has it under the new one."""
    conn = chief(post.path)
    made = backup.backup_now(conn, post.path, "manual")
    accounts.change_password(conn, TEST_USER, "mật khẩu mới của chỉ huy")
    conn.close()
    backup.restore(made, post.path, actor=TEST_USER)
    db.forget_key(post.path)
    conn = login(post.path, TEST_USER, "mật khẩu mới của chỉ huy")
    assert vault.open_identity(conn, post.code)["full_name"] == IDENTITY["full_name"]
    conn.close()
    db.forget_key(post.path)
    conn = login(post.path, TEST_USER, "mật khẩu mới của chỉ huy")  # sealed anew: no fallback
    assert vault.open_identity(conn, post.code)["phone"] == "0912468024"
    conn.close()
