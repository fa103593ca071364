"""Numbered schema migrations, the recorded schema version, and the search index guard.

Each migration runs in its own transaction together with the record of it having run, so a
failure leaves the database at the previous version. Applied migrations are never edited:
changes go into a new one. After any migration the full-text triggers are re-created and the
index rebuilt if they were missing (sqlite-utils ``transform()`` drops triggers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.domain import text
from desktop.domain.kinds import KINDS, Kind
from desktop.storage import dbapi, schema_check
from desktop.storage.schema_v1 import TABLES_V1


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[dbapi.Connection], None]


# Besides its fields, every synced table has (see schema_v1):
#   _rowid   stable integer key for the external-content FTS index (VACUUM keeps it)
#   id       UUIDv7 text, the key that travels in bundles
#   _part    partition: the owning commune's code, or 'ref' for province reference data
#   _deleted tombstone (a versioned field like any other)
#   _extras  JSON of fields from a newer schema, kept and never dropped

_V1_INDEXES = """
CREATE INDEX unit_parent ON unit(parent_id, name_key);
CREATE INDEX unit_code ON unit(code, code_version);
CREATE INDEX catalogue_item_code ON catalogue_item(catalogue, code);
CREATE INDEX person_name ON person(name_key, id);
CREATE INDEX person_citizen_id ON person(citizen_id);
CREATE INDEX person_residence ON person(residence_unit_id);
CREATE INDEX organization_unit ON organization(unit_id, name_key);
CREATE INDEX organization_type ON organization(org_type);
CREATE INDEX membership_org ON membership(organization_id);
CREATE INDEX membership_person ON membership(person_id);
CREATE INDEX meeting_org ON meeting(organization_id, started_at);
CREATE INDEX meeting_number ON meeting(issuer, year, number);
CREATE INDEX attendance_meeting ON attendance(meeting_id);
CREATE INDEX attachment_owner ON attachment(owner_kind, owner_id);
CREATE INDEX model_unit ON model(unit_id);
CREATE INDEX model_org_model ON model_org(model_id);
CREATE INDEX replication_model ON replication(model_id);
CREATE INDEX evaluation_model ON evaluation(model_id);
CREATE INDEX deed_person ON deed(person_id);
CREATE INDEX deed_date ON deed(deed_date);
"""

_V1_SYNC = """
CREATE TABLE site_meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
-- One row per (table, record, field): the version of that field's current value.
CREATE TABLE sync_cell (
    tbl TEXT NOT NULL, pk TEXT NOT NULL, field TEXT NOT NULL,
    hlc INTEGER NOT NULL,      -- hybrid logical clock stamp (wall_ms << 16 | counter)
    origin TEXT NOT NULL,      -- site that wrote the value
    part TEXT NOT NULL,        -- partition of the record
    seq INTEGER NOT NULL,      -- per (origin, part) sequence: with origin and part, the dot
    hist TEXT NOT NULL DEFAULT '[]',  -- dots this value knowingly replaced (JSON)
    PRIMARY KEY (tbl, pk, field)) WITHOUT ROWID;
CREATE INDEX sync_cell_dot ON sync_cell(origin, part, seq);
-- What this site holds: the highest sequence seen per (origin, partition).
CREATE TABLE sync_vv (origin TEXT NOT NULL, part TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (origin, part)) WITHOUT ROWID;
-- Who changed what: append-only, one row per changed field (or one per created record).
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY, at TEXT NOT NULL, hlc INTEGER NOT NULL, site TEXT NOT NULL,
    actor TEXT NOT NULL, action TEXT NOT NULL, tbl TEXT NOT NULL, pk TEXT NOT NULL,
    field TEXT, old TEXT, new TEXT);
CREATE INDEX audit_record ON audit_log(tbl, pk);
CREATE INDEX audit_at ON audit_log(at);
"""


def _v1_schema(conn: dbapi.Connection) -> None:
    for stmt in (TABLES_V1 + _V1_SYNC + _V1_INDEXES).split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _v2_reference_data(conn: dbapi.Connection) -> None:
    from desktop.storage import seed

    seed.load_catalogues(conn)
    seed.load_units_2025(conn)


def _v3_legacy_units(conn: dbapi.Connection) -> None:
    from desktop.storage import seed

    seed.load_legacy_units(conn)


_V4_SYNC_EXCHANGE = """
-- This site's own key pairs (sign: Ed25519, recv: X25519), private halves sealed under a
-- passphrase (argon2id + AES-256-GCM, parameters kept beside the ciphertext).
CREATE TABLE sync_key (purpose TEXT PRIMARY KEY, public TEXT NOT NULL, sealed TEXT NOT NULL,
    created_local TEXT NOT NULL) WITHOUT ROWID;
-- Enrolled peer sites (at a commune the province, at the province its communes).
CREATE TABLE sync_site (
    site_id TEXT PRIMARY KEY, site_kind TEXT NOT NULL, unit_code TEXT NOT NULL,
    name TEXT NOT NULL, sign_pub TEXT NOT NULL, recv_pub TEXT NOT NULL,
    partitions TEXT NOT NULL,            -- JSON list of partitions it may write
    certificate TEXT,                    -- signed certificate (JSON), when there is one
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    enrolled_local_time TEXT NOT NULL, revoked_local_time TEXT,
    last_counter INTEGER, last_import_local_time TEXT) WITHOUT ROWID;
-- What this site knows each peer holds, learnt only from the peer's own signed bundles.
CREATE TABLE sync_belief (peer TEXT NOT NULL, origin TEXT NOT NULL, part TEXT NOT NULL,
    seq INTEGER NOT NULL, PRIMARY KEY (peer, origin, part)) WITHOUT ROWID;
-- Concurrent values that lost, kept for review. The id is a hash of the key and both dots,
-- so the same conflict seen twice (or at two sites) is one row.
CREATE TABLE sync_conflict (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('value', 'delete')),
    severity TEXT NOT NULL CHECK (severity IN ('normal', 'high')),
    tbl TEXT NOT NULL, pk TEXT NOT NULL, field TEXT NOT NULL,
    loser_value TEXT, loser_hlc INTEGER NOT NULL, loser_origin TEXT NOT NULL,
    loser_part TEXT NOT NULL, loser_seq INTEGER NOT NULL,
    winner_value TEXT, winner_hlc INTEGER NOT NULL, winner_origin TEXT NOT NULL,
    winner_part TEXT NOT NULL, winner_seq INTEGER NOT NULL,
    detected_site TEXT NOT NULL, detected_local_time TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'accepted', 'restored', 'merged', 'closed')),
    resolved_by TEXT, resolved_local_time TEXT) WITHOUT ROWID;
CREATE INDEX sync_conflict_open ON sync_conflict(status, tbl, pk);
-- Every bundle applied here (a repeat is reported as already imported).
CREATE TABLE sync_import_log (bundle_id TEXT PRIMARY KEY, sender TEXT NOT NULL,
    sender_counter INTEGER NOT NULL, sha256 TEXT NOT NULL, result TEXT NOT NULL,
    counts TEXT NOT NULL, imported_local_time TEXT NOT NULL) WITHOUT ROWID;
"""


def _v4_sync_exchange(conn: dbapi.Connection) -> None:
    for stmt in _V4_SYNC_EXCHANGE.split(";"):
        if stmt.strip():
            conn.execute(stmt)


_V5_SITE_LIST_AND_ROTATION = """
-- Key pairs this site used before ``antq keys rotate``: the private halves stay sealed so
-- bundles still encrypted to an old key can be opened (generation 1 is the first pair).
CREATE TABLE sync_key_retired (generation INTEGER NOT NULL, purpose TEXT NOT NULL,
    public TEXT NOT NULL, sealed TEXT NOT NULL, retired_local_time TEXT NOT NULL,
    PRIMARY KEY (generation, purpose)) WITHOUT ROWID;
-- This site's rotation statements: new public keys signed by the key they replace (a JSON
-- envelope {body, sig}), and every bundle carries the chain so a peer can follow it.
CREATE TABLE sync_key_rotation (generation INTEGER PRIMARY KEY, statement TEXT NOT NULL);
-- Public signing keys a peer used before it rotated (bundles signed by them are refused).
CREATE TABLE sync_site_retired_key (site_id TEXT NOT NULL, sign_pub TEXT NOT NULL,
    recv_pub TEXT NOT NULL, retired_local_time TEXT NOT NULL,
    PRIMARY KEY (site_id, sign_pub)) WITHOUT ROWID;
-- At a commune: the province's signed list of enrolled sites, as last applied (the version
-- is kept in site_meta 'site_list_version', an older or equal version is ignored).
CREATE TABLE sync_site_list (site_id TEXT PRIMARY KEY, site_kind TEXT NOT NULL,
    unit_code TEXT NOT NULL, name TEXT NOT NULL, sign_pub TEXT NOT NULL,
    recv_pub TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    retired_sign_pubs TEXT NOT NULL, list_version INTEGER NOT NULL) WITHOUT ROWID
"""


def _v5_site_list_and_rotation(conn: dbapi.Connection) -> None:
    for stmt in _V5_SITE_LIST_AND_ROTATION.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _v6_search_words(conn: dbapi.Connection) -> None:
    """Stored search text becomes plain words (``text.search_words``), so a roster can match
    a word with ``instr`` as the full-text index does. Only rows holding punctuation change;
    the FTS triggers re-index them. The people's name index also carries what a roster walk
    reads (deleted, residence, search text), so the walk never leaves the index; two more
    indexes serve sorted rosters."""
    conn.execute("DROP INDEX person_name")
    conn.execute("CREATE INDEX person_name ON person(name_key, id, _deleted, residence_unit_id, "
                 "_search)")
    # A roster sorted by birth date or by ethnic group pages through these as through the
    # name index (the expressions are rosters.SORTABLE's): 1 ms a page, not 25.
    conn.execute("CREATE INDEX person_birth ON person(coalesce(birth_date, ''), name_key, id)")
    conn.execute("CREATE INDEX person_ethnicity ON person(coalesce(ethnicity, ''), name_key, "
                 "id)")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for kind in search_kinds():
        if kind.table not in tables:  # a kind added by a later migration
            continue
        rows = conn.execute(f"SELECT _rowid, _search FROM {kind.table} "
                            "WHERE _search GLOB '*[^a-z0-9 ]*'").fetchall()
        for rowid, old in rows:
            new = " ".join(text.search_words(old))
            if new != old:
                conn.execute(f"UPDATE {kind.table} SET _search = ? WHERE _rowid = ?",
                             (new, rowid))


def _v7_minutes_in_date_order(conn: dbapi.Connection) -> None:
    """Minutes listed newest first are walked in that order by a broad search
    (records.WALKED_ORDERS)."""
    conn.execute("CREATE INDEX meeting_started ON meeting(started_at, id)")


def _v8_accounts(conn: dbapi.Connection) -> None:
    """Local accounts and their roles (issue 11). Not synced: each site has its own; who may
    open the file at all is the key file's business (desktop/storage/keyfile.py)."""
    conn.execute("""CREATE TABLE account (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('chief', 'officer', 'viewer', 'province')),
        full_name TEXT,
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_local TEXT NOT NULL,
        password_changed_local TEXT
    )""")


def _v9_audit_chain(conn: dbapi.Connection) -> None:
    """The audit log becomes a hash chain of the entries already there, in their order, with
    sensitive plain values replaced by keyed hashes; the heads other sites showed (issue 11;
    that format: desktop/storage/audit_v9.py)."""
    from desktop.storage import audit, audit_v9

    audit_v9.chain_existing(conn, audit.audit_key(conn))


def _v10_religion_and_classification(conn: dbapi.Connection) -> None:
    """A person's religion (sensitive, like ethnicity) and the độ mật of people,
    organizations and minutes (issue 11). Empty means "thuong" (kinds.CLASSIFICATION)."""
    conn.execute("ALTER TABLE person ADD COLUMN religion TEXT")
    for table in ("person", "organization", "meeting"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN classification TEXT")


def _v11_list_indexes(conn: dbapi.Connection) -> None:
    """Indexes that let every page of a long list be read in order (issue 12; storage/paging.py):
    a place's residents in name order, with the tombstone so that a count needs no row;
    people by gender and by phone (the phone index also serves a number typed digit by
    digit, as the CCCD's does); members holding a role; organizations by name. Indexes
    only: no row is rewritten."""
    conn.execute("DROP INDEX IF EXISTS person_residence")
    conn.execute("CREATE INDEX person_residence ON person(residence_unit_id, _deleted, name_key, "
                 "id)")
    conn.execute("CREATE INDEX person_gender ON person(coalesce(gender, ''), name_key, id)")
    conn.execute("CREATE INDEX person_phone ON person(phone)")
    conn.execute("CREATE INDEX membership_role ON membership(role)")
    conn.execute("CREATE INDEX organization_name ON organization(name_key, id)")


def _v12_compact_versions(conn: dbapi.Connection) -> None:
    """Field versions move from one ``sync_cell`` row per field to one ``sync_clock`` row per
    record and origin, names as small integers (issue 12; desktop/storage/versions.py). The
    file shrinks at the VACUUM that :func:`apply` runs after this migration."""
    from desktop.storage import versions

    for stmt in versions.SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    versions.convert_cells(conn)
    conn.execute("DROP TABLE sync_cell")
    # Local times of creation and change were written on every row and never read (the
    # audit log has them): 38 bytes a record, no longer written.
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for kind in KINDS.values():
        if kind.table not in tables:  # a kind added by a later migration
            continue
        conn.execute(f"UPDATE {kind.table} SET _created_at = NULL, _updated_at = NULL "
                     f"WHERE _created_at IS NOT NULL OR _updated_at IS NOT NULL")


def _v13_compact_audit(conn: dbapi.Connection) -> None:
    """The audit log in its compact format: names and records as small integers, times as
    integers, 16 bytes of hashes, no copy of a created record's values; every entry converted
    and chained anew, the old chain checked and what it showed recorded (issue 12;
    desktop/storage/audit.py). The file shrinks at the VACUUM after it."""
    from desktop.storage import audit_v9

    audit_v9.convert(conn)


def _v14_undo_journal(conn: dbapi.Connection) -> None:
    """The undo journal of the last bundle imports, in place of a whole copy of the database
    before each (issue 12; desktop/storage/undo.py)."""
    from desktop.storage import undo

    for stmt in undo.SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _v15_catalogue_rules(conn: dbapi.Connection) -> None:
    """The Tổ rules of Luật 30/2023 (one Tổ trưởng, members from 18, living in the thôn) on
    databases seeded before the catalogue carried them (issue 14): unedited rows take the
    shipped ``attrs``, items shipped since are added (desktop/storage/seed.py)."""
    from desktop.storage import seed

    seed.refresh_catalogue_attrs(conn)


_V17_TIPS_AND_VAULT = """
-- Tips from the public (kinds.TIP), synced like every record kind. They name the informant
-- only by its source code.
CREATE TABLE tip (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    source_code TEXT, received_at TEXT, channel TEXT, category TEXT, unit_id TEXT,
    summary TEXT, received_by TEXT, record_number TEXT, valuable INTEGER,
    transferred_at TEXT, transferred_to TEXT, case_solved INTEGER, case_serious INTEGER,
    arrested INTEGER, weapons INTEGER, case_reference TEXT, outcome TEXT,
    classification TEXT, _search TEXT);
CREATE INDEX tip_received ON tip(received_at, id);
CREATE INDEX tip_unit ON tip(unit_id, received_at);
CREATE INDEX tip_source_code ON tip(_part, source_code);
CREATE INDEX tip_untransferred ON tip(received_at) WHERE transferred_at IS NULL
    AND _deleted = 0;
-- The last source code number given per commune and year (local, never synced): a batch
-- of tips written in one transaction numbers on from it (desktop/storage/tips.py).
CREATE TABLE tip_counter (part TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
    PRIMARY KEY (part, year)) WITHOUT ROWID;
-- A commune in a remote area: its tips are due at the investigating agency in 48 h.
ALTER TABLE unit ADD COLUMN remote INTEGER;
-- The informant vault (desktop/storage/vault.py). Never synced, never indexed: each
-- account's X25519 key pair (the private half sealed under its password), the vault key
-- wrapped for each account allowed to open it, and the identities sealed under that key.
CREATE TABLE account_key (name TEXT PRIMARY KEY, public BLOB NOT NULL, sealed BLOB NOT NULL,
    created_local TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vault_grant (name TEXT PRIMARY KEY, wrapped BLOB NOT NULL,
    granted_by TEXT NOT NULL, granted_local TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE informant (source_code TEXT PRIMARY KEY, part TEXT NOT NULL,
    sealed BLOB NOT NULL, created_local TEXT NOT NULL, changed_local TEXT) WITHOUT ROWID
"""


def _v17_tips_and_vault(conn: dbapi.Connection) -> None:
    """Tips, the remote flag of a commune, the informant vault, and the catalogues of how a
    tip came and what it is about (issue 13)."""
    from desktop.storage import seed

    for stmt in _V17_TIPS_AND_VAULT.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    seed.load_catalogues(conn, only=("tip_channel", "tip_category"))


# The people's order indexes (migrations 6 and 11) end with the row's integer key, which every
# index entry of a rowid table carries anyway, instead of the 36-character record id: a tie
# in name order goes by ``_rowid`` (rosters._NAME). The name index names ``_rowid``
# before the columns it covers, so that the walk reads them off the index in that order.
_V18_PERSON_INDEXES = {
    "person_name": "name_key, _rowid, _deleted, residence_unit_id, _search",
    "person_residence": "residence_unit_id, _deleted, name_key",
    "person_birth": "coalesce(birth_date, ''), name_key",
    "person_gender": "coalesce(gender, ''), name_key",
    "person_ethnicity": "coalesce(ethnicity, ''), name_key",
}


def _v18_lean_person_indexes(conn: dbapi.Connection) -> None:
    """The people's five order indexes without the record id (issue 12): 37 bytes less an
    entry, 13 MB of a province's 163 and 19 of a 100,000-person commune's 128 (the file
    shrinks at the VACUUM after it). Every roster order is still read down one index
    (tests/storage/test_query_plans.py)."""
    for name, columns in _V18_PERSON_INDEXES.items():
        conn.execute(f"DROP INDEX IF EXISTS {name}")
        conn.execute(f"CREATE INDEX {name} ON person({columns})")


def _v22_bundle_notes(conn: dbapi.Connection) -> None:
    """Each bundle sent and received, for the province's overview of its communes."""
    from desktop.storage import bundle_notes

    bundle_notes.create_schema(conn)


_V19_RESULTS = """
-- The movement's results (issue 13): citizen cameras, establishments and their yearly
-- "An toàn về ANTT" evaluations, crime figures per unit and period. Synced like every kind.
CREATE TABLE camera (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    owner_name TEXT, owner_person_id TEXT, owner_organization_id TEXT, unit_id TEXT,
    address TEXT, camera_count INTEGER, facing TEXT, retention_days INTEGER,
    connected INTEGER, consent INTEGER, notice_sign INTEGER, installed_date TEXT, status TEXT,
    model_id TEXT, helped_tips INTEGER, helped_cases INTEGER, coordinates TEXT, notes TEXT,
    _search TEXT);
CREATE INDEX camera_unit ON camera(unit_id, installed_date);
CREATE INDEX camera_installed ON camera(installed_date, id);
CREATE TABLE establishment (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    name TEXT, establishment_type TEXT, unit_id TEXT, address TEXT, head TEXT, phone TEXT,
    exemption TEXT, notes TEXT, name_key TEXT, _search TEXT);
CREATE INDEX establishment_unit ON establishment(unit_id);
CREATE INDEX establishment_name ON establishment(name_key, id);
CREATE TABLE safety_evaluation (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    subject_kind TEXT, unit_id TEXT, establishment_id TEXT, year INTEGER, registered INTEGER,
    registered_date TEXT, households_percent INTEGER, criteria_met TEXT, result TEXT,
    decision_number TEXT, decision_date TEXT, decision_issuer TEXT, movement_rating TEXT,
    notes TEXT);
CREATE INDEX safety_evaluation_unit ON safety_evaluation(unit_id, year);
CREATE INDEX safety_evaluation_establishment ON safety_evaluation(establishment_id, year);
CREATE INDEX safety_evaluation_year ON safety_evaluation(year, id);
CREATE TABLE crime_stat (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    unit_id TEXT, period TEXT, period_start TEXT, period_end TEXT, social_cases INTEGER,
    social_serious INTEGER, social_solved INTEGER, social_offenders INTEGER,
    drug_cases INTEGER, drug_offenders INTEGER, drug_users INTEGER, gambling_cases INTEGER,
    gambling_offenders INTEGER, admin_cases INTEGER, admin_people INTEGER, notes TEXT);
CREATE INDEX crime_stat_unit ON crime_stat(unit_id, period_start);
CREATE INDEX crime_stat_start ON crime_stat(period_start, id)
"""


def _v19_results(conn: dbapi.Connection) -> None:
    """Cameras, establishments, An toàn evaluations, crime figures, and the catalogue of the
    An toàn criteria (issue 13)."""
    from desktop.storage import seed

    for stmt in _V19_RESULTS.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    seed.load_catalogues(conn, only=("safety_criterion",))


def _v20_duplicates(conn: dbapi.Connection) -> None:
    """The same person twice (issue 15): a person's alias, match keys, the review queue."""
    from desktop.storage import duplicates

    duplicates.create_schema(conn)


_V21_PERSON_MOVES = """
-- A person who moved to another commune (issue 15, desktop/storage/moves.py): the history
-- line the old commune keeps, in its own partition. Synced like every kind.
CREATE TABLE person_move (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    person_id TEXT, full_name TEXT, birth_date TEXT, from_unit_id TEXT, to_unit_id TEXT,
    moved_date TEXT, status TEXT, notes TEXT);
CREATE INDEX person_move_person ON person_move(person_id);
CREATE INDEX person_move_pending ON person_move(status, _part);
-- The province's approval of a commune's figures for a period (desktop/storage/periods.py).
CREATE TABLE period_approval (
    _rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0, _extras TEXT,
    unit_id TEXT, period TEXT, period_start TEXT, period_end TEXT, status TEXT,
    decided_by TEXT, unlocked INTEGER, unlocked_by TEXT, unlock_reason TEXT);
CREATE INDEX period_approval_unit ON period_approval(unit_id, period)
"""


def _v21_person_moves(conn: dbapi.Connection) -> None:
    """The history line of a person who moved to another commune, and the province's
    approval of a commune's figures for a period (issue 15)."""
    for stmt in _V21_PERSON_MOVES.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _v24_compact_keys(conn: dbapi.Connection) -> None:
    """Smaller keys and search indexes (issue 12): the duplicates' match keys as integers (a
    hash of the key, the person's _rowid); every sort key rebuilt without its trailing lowest
    weights (text.KEY_VERSION 2: the same order, in the row and every index that holds it);
    the full-text indexes made again with leaves that fit a page and no row sizes
    (ensure_search_index, run after every migration, makes and fills them)."""
    from desktop.storage import derived, duplicates

    duplicates.compact_keys(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for kind in search_kinds():
        if f"{kind.table}_fts" in tables:
            for event in ("ai", "ad", "au"):
                conn.execute(f"DROP TRIGGER IF EXISTS {kind.table}_fts_{event}")
            conn.execute(f"DROP TABLE {kind.table}_fts")
    for kind in KINDS.values():
        if "name_key" not in kind.extra_columns or kind.table not in tables:
            continue
        rows = conn.execute(f"SELECT _rowid, {kind.title_field}, name_key "
                            f"FROM {kind.table}").fetchall()
        conn.executemany(f"UPDATE {kind.table} SET name_key = ? WHERE _rowid = ?",
                         [(key, rowid) for rowid, title, old in rows
                          if (key := derived.name_key(kind, title)) != old])


def _v23_reference_releases(conn: dbapi.Connection) -> None:
    """The reference releases published or applied here (issue 15)."""
    from desktop.storage import reference_releases

    reference_releases.create_schema(conn)


def _v25_batched_audit(conn: dbapi.Connection) -> None:
    """The creates one write made (an import, a bulk add) become one audit entry that lists
    its records, chained anew; the old chain checked and what it showed recorded (issue 12,
    format 3: desktop/storage/audit.py). The file shrinks at the VACUUM after it."""
    from desktop.storage import audit

    audit.group_creates(conn)


def _v26_orders_on_the_name_index(conn: dbapi.Connection) -> None:
    """The people's gender order without an index of its own (issue 12): the name index
    holds the gender (a few bytes an entry), each gender is walked down it in name order,
    and the few of no gender or another value are kept in a partial index. The residence
    index without the name order: a village's residents in name order are walked down the
    name index (it holds the place), a small village's gathered. 6 MB less at 100,000
    people, 18 at 300,000 (the file shrinks at the VACUUM after it)."""
    conn.execute("DROP INDEX IF EXISTS person_gender")
    conn.execute("DROP INDEX IF EXISTS person_residence")
    conn.execute("CREATE INDEX person_residence ON person(residence_unit_id, _deleted)")
    conn.execute("DROP INDEX IF EXISTS person_name")
    conn.execute("CREATE INDEX person_name ON person(name_key, _rowid, _deleted, "
                 "residence_unit_id, _search, gender)")
    conn.execute("CREATE INDEX person_gender_rare ON person(gender) "
                 "WHERE gender IS NULL OR gender NOT IN ('female', 'male')")


def _v28_keys_without_person_index(conn: dbapi.Connection) -> None:
    """The duplicates' match keys without their index by person (issue 12: 3 MB of a 100k
    commune): the scan deletes a person's old keys from the old values its queue row keeps
    (desktop/storage/duplicates.py). The file shrinks at the VACUUM after it."""
    from desktop.storage import duplicates

    duplicates.keys_without_person_index(conn)


def _v27_people_numbers_off_the_text_index(conn: dbapi.Connection) -> None:
    """The people's search text without the CCCD and the phone (issue 12: 3.6 MB of the
    full-text index at 100,000 people, and the name index holds the text too): a number is
    searched through their own indexes (desktop/storage/search.py). The index is made anew
    from the new text (ensure_search_index, after every migration); the file shrinks at the
    VACUUM after it."""
    for event in ("ai", "ad", "au"):  # no index to keep up while the text changes
        conn.execute(f"DROP TRIGGER IF EXISTS person_fts_{event}")
    conn.execute("DROP TABLE IF EXISTS person_fts")
    rows = conn.execute("SELECT _rowid, full_name, _search FROM person").fetchall()
    changed = []
    for rowid, name, old in rows:
        new = " ".join(text.search_words(str(name or "")))
        if new != old:
            changed.append((new, rowid))
    conn.executemany("UPDATE person SET _search = ? WHERE _rowid = ?", changed)


def _v30_free_pages_given_back(conn: dbapi.Connection) -> None:
    """Incremental auto-vacuum (issue 12): free pages go back to the file system when a work
    queue is emptied (db.give_back_free_pages; the duplicates' queue after a bulk import left
    2.7 MB free at 100,000 people, 8 at 300,000) instead of staying in the file. Takes effect
    at the VACUUM after it; new databases have it from their first page (db.open_database).
    And one duplicates' match key a person instead of two (the name, birth year and day in
    one integer, looked up by ranges: 1.5 MB less at 100,000 people), filed anew."""
    from desktop.storage import duplicates

    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # db.AUTO_VACUUM (db imports this module)
    duplicates.file_keys_anew(conn)


def _v31_orders_without_the_name_key(conn: dbapi.Connection) -> None:
    """The people's birth-date and ethnic-group orders without an index holding the name
    key (issue 12: 30 bytes an entry, 6.4 MB at 100,000 people, 19 at 300,000). The birth
    date's index holds the date alone: a page sorts the few born the same day (about four a
    date), as the CCCD's and phone's orders do (rosters._INDEXED_COLUMNS). The group's
    index holds the group alone, and the name index holds it too (a few bytes an entry):
    each group is walked down the name index in name order, a small one gathered through its
    index, as the genders are (rosters._by_ethnicity). The file shrinks at the VACUUM after
    it."""
    conn.execute("DROP INDEX IF EXISTS person_birth")
    conn.execute("CREATE INDEX person_birth ON person(birth_date)")
    conn.execute("DROP INDEX IF EXISTS person_ethnicity")
    conn.execute("CREATE INDEX person_ethnicity ON person(ethnicity)")
    conn.execute("DROP INDEX IF EXISTS person_name")
    conn.execute("CREATE INDEX person_name ON person(name_key, _rowid, _deleted, "
                 "residence_unit_id, _search, gender, ethnicity)")


def _v32_roster_members(conn: dbapi.Connection) -> None:
    """Who now belongs to an organization, by the rowids of the person and the type and role
    (issue 12): a roster under an organization-type or role filter found its members' rows
    from their ids, 30-50 ms at 300,000 people before a first page. Derived, kept by
    triggers, never synced (desktop/storage/roster_members.py)."""
    from desktop.storage import roster_members

    roster_members.create(conn)


def _v34_peer_schema(conn: dbapi.Connection) -> None:
    """The schema version of each peer's program, from the last verified bundle it sent
    (issue 12): a bundle in record lines (sync/bundle.py) is written only for a peer known
    to read them; NULL, not known yet, gets change lines as before."""
    conn.execute("ALTER TABLE sync_site ADD COLUMN peer_schema INTEGER")


def _v37_rule_review(conn: dbapi.Connection) -> None:
    """The review queue takes a third kind of item, ``rule``: a record an import left
    breaking a whole-record rule a local write enforces (validation.check_record), e.g. a
    CCCD that disagrees with the birth year after two sites each fixed one of them
    (desktop/sync/conflicts.py). SQLite cannot change a CHECK in place: the table is
    copied into one whose CHECK allows it, the same columns, key and index."""
    conn.execute("ALTER TABLE sync_conflict RENAME TO sync_conflict_v36")
    conn.execute("DROP INDEX IF EXISTS sync_conflict_open")
    conn.execute("""CREATE TABLE sync_conflict (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('value', 'delete', 'rule')),
    severity TEXT NOT NULL CHECK (severity IN ('normal', 'high')),
    tbl TEXT NOT NULL, pk TEXT NOT NULL, field TEXT NOT NULL,
    loser_value TEXT, loser_hlc INTEGER NOT NULL, loser_origin TEXT NOT NULL,
    loser_part TEXT NOT NULL, loser_seq INTEGER NOT NULL,
    winner_value TEXT, winner_hlc INTEGER NOT NULL, winner_origin TEXT NOT NULL,
    winner_part TEXT NOT NULL, winner_seq INTEGER NOT NULL,
    detected_site TEXT NOT NULL, detected_local_time TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'accepted', 'restored', 'merged', 'closed')),
    resolved_by TEXT, resolved_local_time TEXT) WITHOUT ROWID""")
    conn.execute("INSERT INTO sync_conflict SELECT * FROM sync_conflict_v36")
    conn.execute("DROP TABLE sync_conflict_v36")
    conn.execute("CREATE INDEX sync_conflict_open ON sync_conflict(status, tbl, pk)")


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema: records, versions, audit", _v1_schema),
    Migration(2, "reference data: catalogues, 2025 provinces and communes", _v2_reference_data),
    Migration(3, "pre-2025 units of Điện Biên kept for history", _v3_legacy_units),
    Migration(4, "sync exchange: keys, sites, beliefs, conflicts, import log", _v4_sync_exchange),
    Migration(5, "sync: signed site list (revocation), key rotation", _v5_site_list_and_rotation),
    Migration(6, "search text as plain words; roster indexes", _v6_search_words),
    Migration(7, "minutes in date order", _v7_minutes_in_date_order),
    Migration(8, "local accounts and roles", _v8_accounts),
    Migration(9, "audit log: hash chain, keyed hashes of sensitive values", _v9_audit_chain),
    Migration(10, "religion; classification (độ mật) of people, organizations, minutes",
              _v10_religion_and_classification),
    Migration(11, "indexes for long lists: residents by place, gender, phone; roles; names",
              _v11_list_indexes),
    Migration(12, "compact field versions: one row per record and origin", _v12_compact_versions),
    Migration(13, "compact audit log: integer names, records and times, short hashes",
              _v13_compact_audit),
    Migration(14, "undo journal of the last bundle imports", _v14_undo_journal),
    Migration(15, "catalogue rules of Luật 30/2023 on older databases", _v15_catalogue_rules),
    Migration(17, "tips, remote communes, the informant vault", _v17_tips_and_vault),
    Migration(18, "people's order indexes without the record id", _v18_lean_person_indexes),
    Migration(19, "cameras, An toàn evaluations, establishments, crime figures", _v19_results),
    Migration(20, "the same person twice: aliases, match keys, review queue", _v20_duplicates),
    Migration(21, "people who moved to another commune; period approval", _v21_person_moves),
    Migration(22, "sync: notes of bundles sent and received", _v22_bundle_notes),
    Migration(23, "reference releases published and applied", _v23_reference_releases),
    Migration(24, "smaller keys: duplicates' match keys as integers, trimmed sort keys, "
                  "full-text leaves that fit a page", _v24_compact_keys),
    Migration(25, "audit log: a write's creates as one entry", _v25_batched_audit),
    Migration(26, "people's gender and place orders on the name index",
              _v26_orders_on_the_name_index),
    Migration(27, "people's CCCD and phone searched through their own indexes only",
              _v27_people_numbers_off_the_text_index),
    Migration(28, "duplicates' match keys without their index by person",
              _v28_keys_without_person_index),
    Migration(30, "free pages given back to the file system; one duplicates' key a person",
              _v30_free_pages_given_back),
    Migration(31, "people's birth-date and ethnic-group orders without the name key",
              _v31_orders_without_the_name_key),
    Migration(32, "who now belongs to an organization, by rowids, for the rosters",
              _v32_roster_members),
    Migration(34, "each peer's schema version, for the bundle lines it reads",
              _v34_peer_schema),
    Migration(37, "review queue: records an import left breaking a whole-record rule",
              _v37_rule_review),
]

# Migrations that free much of the file: VACUUM after them gives the space back.
_VACUUM_AFTER = {12, 13, 18, 24, 25, 26, 27, 28, 30, 31}


def latest_version() -> int:
    return MIGRATIONS[-1].version


def current_version(conn: dbapi.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(conn: dbapi.Connection) -> None:
    schema_check.refuse_newer(conn, latest_version(), [m.version for m in MIGRATIONS])


def apply(conn: dbapi.Connection, *, backup_to: Path | None = None,
          stop_before: int | None = None) -> list[int]:
    """Run the pending migrations in order; returns the versions applied."""
    check_not_newer(conn)
    pending = [m for m in missing(conn) if stop_before is None or m.version < stop_before]
    if pending and backup_to is not None and current_version(conn) > 0:
        _backup_before(conn, backup_to, current_version(conn))
    done = []
    for m in pending:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if m.version == 1:
                conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                             "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            m.apply(conn)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                         (m.version, m.name, dt.datetime.now().isoformat(timespec="seconds")))
            conn.execute(f"PRAGMA user_version = {max(m.version, current_version(conn)):d}")
            ensure_search_index(conn)
            _ensure_audit_view(conn)
            _ensure_roster_members(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        done.append(m.version)
    if done and done[0] > 1 and _VACUUM_AFTER.intersection(done):  # not a new database
        conn.execute("VACUUM")
    return done


def _ensure_roster_members(conn: dbapi.Connection) -> None:
    from desktop.storage import roster_members

    roster_members.ensure(conn)


def missing(conn: dbapi.Connection) -> list[Migration]:
    """The migrations this database has not run, in order: those above its version, and any
    below it that landed after the database was made (numbers are handed out to work done side
    by side: 13 came after 14 and 17). ``schema_migrations`` says which ran."""
    if current_version(conn) == 0:
        return list(MIGRATIONS)
    ran = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    return [m for m in MIGRATIONS if m.version not in ran]


def _backup_before(conn: dbapi.Connection, db_path: Path, version: int) -> None:
    """A consistent copy (SQLite backup API, never a file copy of a live WAL database)."""
    from desktop.storage.backup import backup_now  # late: most opens migrate nothing

    backup_now(conn, db_path, f"before-migration-v{version}")


def _ensure_audit_view(conn: dbapi.Connection) -> None:
    """The audit log's readable view names every record table there is (audit.py)."""
    from desktop.storage import audit

    audit.ensure_view(conn)


def search_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if k.searchable]


# FTS5 writes leaves of up to 4,050 bytes by default: more than a row keeps on an encrypted
# 4,096-byte page (4,016 usable, SQLCipher's IV and HMAC take 80), so nearly every leaf
# spilled into an overflow page. 3,900 fits (migration 24, issue 12).
FTS_LEAF_BYTES = 3900


def ensure_search_index(conn: dbapi.Connection) -> None:
    """Create missing FTS tables and triggers; rebuild an index whose triggers were lost."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    for kind in search_kinds():
        t = kind.table
        if t not in tables:
            continue
        fts = f"{t}_fts"
        rebuild = False
        if fts not in tables:
            # Folded text, so unicode61 needs no diacritic handling of its own (đ is folded
            # in Python); prefix indexes make search-as-you-type cheap; no sizes of the rows
            # (columnsize=0: they serve bm25 alone, which search.py does not use).
            conn.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(_search, content='{t}', "
                         f"content_rowid='_rowid', tokenize='unicode61', prefix='1 2 3', "
                         f"columnsize=0)")
            conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('pgsz', {FTS_LEAF_BYTES})")
            rebuild = True
        wanted = {
            f"{t}_fts_ai": f"AFTER INSERT ON {t} BEGIN INSERT INTO {fts}(rowid, _search) "
                           f"VALUES (new._rowid, new._search); END",
            f"{t}_fts_ad": f"AFTER DELETE ON {t} BEGIN INSERT INTO {fts}({fts}, rowid, _search) "
                           f"VALUES ('delete', old._rowid, old._search); END",
            f"{t}_fts_au": f"AFTER UPDATE OF _search ON {t} BEGIN "
                           f"INSERT INTO {fts}({fts}, rowid, _search) "
                           f"VALUES ('delete', old._rowid, old._search); "
                           f"INSERT INTO {fts}(rowid, _search) VALUES (new._rowid, new._search); "
                           f"END",
        }
        for name, body in wanted.items():
            if name not in triggers:
                conn.execute(f"CREATE TRIGGER {name} {body}")
                rebuild = True
        if rebuild:
            conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
