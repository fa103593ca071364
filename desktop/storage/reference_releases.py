"""Reference releases published or applied at this site (issue 15, desktop/sync/
reference_release.py): their numbers and what each changed, kept locally (never synced)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from desktop.i18n import _
from desktop.storage import dbapi

SCHEMA = """
-- Reference releases published here (the province) or applied here (a commune): local, never
-- synced. ``changes`` is the list shown to the officer (JSON).
CREATE TABLE IF NOT EXISTS reference_release (
    version INTEGER NOT NULL, role TEXT NOT NULL CHECK (role IN ('published', 'applied')),
    publisher TEXT NOT NULL, published_at TEXT NOT NULL, digest TEXT NOT NULL,
    recorded_at TEXT NOT NULL, changes TEXT NOT NULL, PRIMARY KEY (role, version));
"""


def create_schema(conn: dbapi.Connection) -> None:
    for statement in _statements(SCHEMA):
        conn.execute(statement)


def _statements(script: str) -> list[str]:
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


@dataclass(frozen=True)
class Change:
    """One line of "what changed": a catalogue item or a commune's remote flag."""

    what: str  # added, renamed, rules, retired, restored, reordered, remote-on, remote-off
    catalogue: str  # a catalogue's name, or "remote" for the commune list
    code: str
    old: str = ""
    new: str = ""

    def line(self) -> str:
        label = dict(_catalogue_labels()).get(self.catalogue, self.catalogue)
        texts = {
            "added": _("{c}: thêm «{n}» ({k})"), "renamed": _("{c}: «{o}» đổi tên thành «{n}»"),
            "rules": _("{c}: «{n}» đổi quy định ({o} → {new_rules})"),
            "retired": _("{c}: thôi áp dụng «{o}» (bản ghi cũ vẫn giữ)"),
            "restored": _("{c}: áp dụng lại «{n}»"), "reordered": _("{c}: đổi thứ tự «{n}»"),
            "remote-on": _("Xã vùng sâu, vùng xa (hạn 48 giờ): thêm {n}"),
            "remote-off": _("Xã vùng sâu, vùng xa (hạn 48 giờ): bỏ {o}")}
        return texts[self.what].format(c=label, n=self.new, o=self.old, k=self.code,
                                       new_rules=self.new)


def _catalogue_labels() -> tuple[tuple[str, str], ...]:
    from desktop.domain.kinds import CATALOGUES

    return CATALOGUES


def last_version(conn: dbapi.Connection, role: str) -> int:
    row = conn.execute("SELECT max(version) FROM reference_release WHERE role = ?",
                       (role,)).fetchone()
    return int(row[0] or 0)


def record(conn: dbapi.Connection, role: str, version: int, publisher: str, published_at: str,
           digest: str, changes: list[Change]) -> None:
    conn.execute("INSERT INTO reference_release VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (version, role, publisher, published_at,
                  digest, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  json.dumps([asdict(c) for c in changes], ensure_ascii=False)))


def history(conn: dbapi.Connection) -> list[dict[str, object]]:
    """Releases published or applied here, newest first, with what each changed."""
    return [{"version": r["version"], "role": r["role"], "published_at": r["published_at"],
             "recorded_at": r["recorded_at"], "digest": r["digest"],
             "changes": [Change(**c).line() for c in json.loads(r["changes"])]}
            for r in conn.execute("SELECT * FROM reference_release ORDER BY recorded_at DESC, "
                                  "version DESC")]
