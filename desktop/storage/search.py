"""Diacritic-insensitive, ranked prefix search over people, organizations, minutes, models
and good deeds: FTS5 over folded text ("nguyen van duc" finds "Nguyễn Văn Đức")."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop.domain import text
from desktop.domain.kinds import KINDS
from desktop.storage.records import fts_query

SEARCHED_KINDS = ("person", "organization", "meeting", "model", "deed")


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    title: str
    score: float  # lower is better (bm25)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "score": self.score}


def search(conn: sqlite3.Connection, user_text: str, *, kinds: tuple[str, ...] = SEARCHED_KINDS,
           limit: int = 50) -> list[Hit]:
    """Best matches first: text that starts with the query, then text that holds it as a
    phrase, then any match of every word; within each, FTS5's bm25, then name order."""
    match = fts_query(user_text)
    if not match:
        return []
    folded = " ".join(text.fold(user_text).split())
    hits: list[tuple[int, float, str, Hit]] = []
    for name in kinds:
        kind = KINDS[name]
        t = kind.table
        order_key = "t.name_key" if "name_key" in kind.extra_columns else "t.id"
        sql = (f"SELECT t.id, t.{kind.title_field} AS title, t._search AS folded, "
               f"bm25({t}_fts) AS score, {order_key} AS okey "
               f"FROM {t}_fts JOIN {t} t ON t._rowid = {t}_fts.rowid "
               f"WHERE {t}_fts MATCH ? AND t._deleted = 0 "
               f"ORDER BY bm25({t}_fts), {order_key} LIMIT ?")
        for row in conn.execute(sql, (match, limit)):
            body = str(row["folded"] or "")
            # Words typed in the order they are written rank above a scattered match.
            starts = 0 if body.startswith(folded) else 1 if f" {folded}" in body else 2
            title = str(row["title"] or "")
            hits.append((starts, row["score"], str(row["okey"]),
                         Hit(name, row["id"], title, round(row["score"], 4))))
    hits.sort(key=lambda h: (h[0], h[1], h[2]))
    return [h[3] for h in hits[:limit]]
