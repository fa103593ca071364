"""Migration 15 (issue 14): the Tổ rules of Luật 30/2023 live in the shipped catalogue's
``attrs``; a database seeded before they were shipped gets them, unless someone edited the
row (then the edit, versioned and synced, stands)."""

from __future__ import annotations

import json

from desktop.storage import catalogues, db, migrations, seed, site
from desktop.storage.writer import Store


def _id(catalogue: str, code: str) -> str:
    return seed.reference_id(f"catalogue:{catalogue}:{code}")


def _attrs(conn, catalogue: str, code: str) -> dict:
    row = conn.execute("SELECT attrs FROM catalogue_item WHERE id = ?",
                       (_id(catalogue, code),)).fetchone()
    return json.loads(row[0]) if row[0] else {}


def _as_before(conn) -> None:
    """The database as the last session left it: the Tổ bảo vệ ANTT's item as first shipped
    (roles and a legal basis, no member rules), a role shipped since missing, migration 15
    not run."""
    conn.execute("BEGIN")
    old = {"required_roles": ["to_truong"], "min_members": 3,
           "roles": ["to_truong", "to_pho", "to_vien"],
           "legal_basis": "Luật 30/2023/QH15; Thông tư 14/2024/TT-BCA", "one_per": "thon"}
    conn.execute("UPDATE catalogue_item SET attrs = ? WHERE id = ?",
                 (json.dumps(old, ensure_ascii=False), _id("org_type", "to_bao_ve_antt")))
    conn.execute("UPDATE catalogue_item SET attrs = NULL WHERE id = ?",
                 (_id("org_type", "to_tu_quan"),))
    conn.execute("DELETE FROM catalogue_item WHERE id = ?", (_id("role", "to_pho"),))
    conn.execute("DELETE FROM schema_migrations WHERE version = 15")
    conn.execute("COMMIT")


def test_an_older_database_gets_the_rules_of_the_to_bao_ve(db_path):
    conn = db.open_database(db_path)
    _as_before(conn)
    assert not catalogues.type_rules(conn, "to_bao_ve_antt").any
    assert [m.version for m in migrations.missing(conn)] == [15]
    conn.close()

    # Its version is already above 15: opening it still runs the migration it lacks.
    conn = db.open_database(db_path)
    rules = catalogues.type_rules(conn, "to_bao_ve_antt")
    assert rules.single_roles == ("to_truong",)
    assert (rules.min_age, rules.max_age, rules.residents_only) == (18, 70, True)
    assert _attrs(conn, "org_type", "to_tu_quan")["roles"] == ["to_truong", "to_pho", "to_vien"]
    assert catalogues.item(conn, "role", "to_pho") is not None  # shipped since: added
    assert migrations.missing(conn) == []
    conn.close()


def test_rules_someone_edited_are_kept(conn):
    _as_before(conn)
    # The province sets its own threshold (communes receive it by sync, versioned).
    site.init_site(conn, name="Công an tỉnh Điện Biên", province_code="11")
    mine = {"roles": ["to_truong", "to_vien"], "min_age": 16}
    Store(conn, actor="tỉnh").edit("catalogue", _id("org_type", "to_bao_ve_antt"),
               {"attrs": json.dumps(mine, ensure_ascii=False)})
    conn.execute("DELETE FROM schema_migrations WHERE version = 15")

    assert migrations.apply(conn) == [15]
    assert _attrs(conn, "org_type", "to_bao_ve_antt") == mine
    assert catalogues.type_rules(conn, "to_bao_ve_antt").min_age == 16
    # The unedited rows still take what was shipped.
    assert "roles" in _attrs(conn, "org_type", "to_tu_quan")


def test_running_it_again_changes_nothing(conn):
    assert seed.refresh_catalogue_attrs(conn) == 0
