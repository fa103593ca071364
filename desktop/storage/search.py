"""Diacritic-insensitive, ranked prefix search over people, organizations, minutes, models
and good deeds: FTS5 over folded text ("nguyen van duc" finds "Nguyễn Văn Đức").

Ranking is by tiers, best first: text that starts with what was typed, text that holds it as
a phrase, then text that has every typed word as a prefix; within a tier, Vietnamese name
order. bm25 over every match is not used: a short prefix ("van", "011") matches tens of
thousands of rows and ranking them all costs more than the search-as-you-type budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain import text
from desktop.domain.kinds import KINDS
from desktop.storage import dbapi

SEARCHED_KINDS = ("person", "organization", "meeting", "model", "deed")
CANDIDATES = 400  # rows read per tier and kind before ordering them


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    title: str
    score: float  # the tier: 0 starts with the query, 1 holds it as a phrase, 2 other match

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "score": self.score}


def _tier_queries(words: list[str]) -> list[str]:
    """FTS5 queries of the three tiers. In a phrase only the last word may be a prefix."""
    phrase = '"' + " ".join(words) + '" *'
    return ["^" + phrase, phrase, " ".join(f'"{w}"*' for w in words)]


def search(conn: dbapi.Connection, user_text: str, *, kinds: tuple[str, ...] = SEARCHED_KINDS,
           limit: int = 50) -> list[Hit]:
    words = text.search_words(user_text)
    if not words:
        return []
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    for tier, match in enumerate(_tier_queries(words)):
        found: list[tuple[str, Hit]] = []
        for name in kinds:
            kind = KINDS[name]
            t = kind.table
            order_key = "t.name_key" if "name_key" in kind.extra_columns else "t.id"
            sql = (f"SELECT t.id, t.{kind.title_field} AS title, {order_key} AS okey "
                   f"FROM {t}_fts JOIN {t} t ON t._rowid = {t}_fts.rowid "
                   f"WHERE {t}_fts MATCH ? AND t._deleted = 0 LIMIT ?")
            for row in conn.execute(sql, (match, CANDIDATES)):
                if (name, row["id"]) not in seen:
                    found.append((str(row["okey"] or ""),
                                  Hit(name, row["id"], str(row["title"] or ""), float(tier))))
        found.sort(key=lambda pair: pair[0])
        for _key, hit in found:
            seen.add((hit.kind, hit.id))
            hits.append(hit)
        if len(hits) >= limit:
            break
    return hits[:limit]
