"""The tables of schema version 1, written out as they were created.

Frozen: a later change to a record kind gets a new migration that alters the table, never an
edit here. ``tests/storage/test_migrations.py`` checks that kinds and tables agree.
"""

TABLES_V1 = """
CREATE TABLE unit (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    name TEXT,
    level TEXT,
    division_type TEXT,
    code TEXT,
    code_version TEXT,
    parent_id TEXT,
    valid_from TEXT,
    valid_to TEXT,
    successor_id TEXT,
    name_key TEXT,
    _search TEXT
);
CREATE TABLE catalogue_item (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    catalogue TEXT,
    code TEXT,
    name TEXT,
    aliases TEXT,
    attrs TEXT,
    sort_order INTEGER,
    active INTEGER
);
CREATE TABLE person (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    full_name TEXT,
    birth_date TEXT,
    gender TEXT,
    ethnicity TEXT,
    citizen_id TEXT,
    old_id_number TEXT,
    phone TEXT,
    residence_unit_id TEXT,
    address TEXT,
    education TEXT,
    notes TEXT,
    name_key TEXT,
    _search TEXT
);
CREATE TABLE organization (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    name TEXT,
    org_type TEXT,
    unit_id TEXT,
    founded_date TEXT,
    decision_number TEXT,
    decision_date TEXT,
    status TEXT,
    notes TEXT,
    name_key TEXT,
    _search TEXT
);
CREATE TABLE membership (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    person_id TEXT,
    organization_id TEXT,
    role TEXT,
    joined_date TEXT,
    decision_number TEXT,
    decision_date TEXT,
    left_date TEXT,
    exit_reason TEXT,
    exit_decision_number TEXT,
    notes TEXT
);
CREATE TABLE meeting (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    organization_id TEXT,
    kind TEXT,
    issuer TEXT,
    number INTEGER,
    year INTEGER,
    title TEXT,
    started_at TEXT,
    ended_at TEXT,
    place TEXT,
    chair_id TEXT,
    secretary_id TEXT,
    agenda TEXT,
    content TEXT,
    conclusions TEXT,
    votes_for INTEGER,
    votes_against INTEGER,
    votes_abstain INTEGER,
    _search TEXT
);
CREATE TABLE attendance (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    meeting_id TEXT,
    person_id TEXT,
    present INTEGER,
    absence_reason TEXT
);
CREATE TABLE attachment (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    owner_kind TEXT,
    owner_id TEXT,
    sha256 TEXT,
    filename TEXT,
    size INTEGER,
    media_type TEXT
);
CREATE TABLE model (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    name TEXT,
    model_type TEXT,
    unit_id TEXT,
    started_date TEXT,
    recognition_decision TEXT,
    recognition_date TEXT,
    status TEXT,
    is_point INTEGER,
    source_model_id TEXT,
    description TEXT,
    name_key TEXT,
    _search TEXT
);
CREATE TABLE model_org (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    model_id TEXT,
    organization_id TEXT
);
CREATE TABLE replication (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    model_id TEXT,
    unit_id TEXT,
    replicated_date TEXT,
    new_model_id TEXT,
    notes TEXT
);
CREATE TABLE evaluation (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    model_id TEXT,
    evaluated_date TEXT,
    rating TEXT,
    notes TEXT
);
CREATE TABLE deed (
    _rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    _part TEXT NOT NULL,
    _deleted INTEGER NOT NULL DEFAULT 0,
    _extras TEXT,
    _created_at TEXT,
    _updated_at TEXT,
    person_id TEXT,
    organization_id TEXT,
    description TEXT,
    deed_date TEXT,
    commendation_form TEXT,
    commendation_level TEXT,
    decision_number TEXT,
    decision_date TEXT,
    _search TEXT
);
"""
