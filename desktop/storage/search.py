"""Diacritic-insensitive, ranked prefix search over people, organizations, minutes, models
and good deeds: FTS5 over folded text ("nguyen van duc" finds "Nguyễn Văn Đức").

Ranking is by tiers, best first: text that starts with what was typed, text that holds it as
a phrase, then text that has every typed word as a prefix; within a tier, Vietnamese name
order. bm25 over every match is not used: a short prefix ("van", "011") matches tens of
thousands of rows and ranking them all costs more than the search-as-you-type budget.

A number alone is the beginning of a CCCD or a phone number, read as a range of their
indexes: the full-text index keeps prefixes of three characters at most, and every CCCD of a
province begins alike ("011…" in Điện Biên), so "0110" read there merged 100,000 numbers.
People found by number come first, in the number's order.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain import text
from desktop.domain.kinds import KINDS
from desktop.storage import dbapi

SEARCHED_KINDS = ("person", "organization", "meeting", "model", "deed", "establishment", "camera")
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


def number_ranges(digits: str) -> tuple[str, ...]:
    """[start, end) of the numbers beginning with ``digits`` (":" follows "9") for the CCCD,
    the phone, and a phone written with its country code ("+84…", whose word has no "+")."""
    return (digits, digits + ":", digits, digits + ":", "+" + digits, "+" + digits + ":")


# People whose CCCD or phone is in the ranges of number_ranges, on "{c}" (e.g. "p.").
NUMBER_SQL = ("({c}citizen_id >= ? AND {c}citizen_id < ?) OR ({c}phone >= ? AND {c}phone < ?) "
              "OR ({c}phone >= ? AND {c}phone < ?)")


def is_number(words: list[str]) -> bool:
    return len(words) == 1 and words[0].isdigit()


def search(conn: dbapi.Connection, user_text: str, *, kinds: tuple[str, ...] = SEARCHED_KINDS,
           limit: int = 50) -> list[Hit]:
    words = text.search_words(user_text)
    if not words:
        return []
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    if is_number(words) and "person" in kinds:
        hits = _by_number(conn, words[0], limit)
        seen = {(h.kind, h.id) for h in hits}
        kinds = tuple(k for k in kinds if k != "person")
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


def _by_number(conn: dbapi.Connection, digits: str, limit: int) -> list[Hit]:
    """People whose CCCD or phone begins with ``digits``: each range read in order, so any
    length costs the same few index steps."""
    lo, hi, *phones = number_ranges(digits)
    found: list[tuple[str, Hit]] = []
    for column, ranges in (("citizen_id", [(lo, hi)]), ("phone", [tuple(phones[:2]),
                                                                   tuple(phones[2:])])):
        for start, end in ranges:
            for row in conn.execute(f"SELECT id, full_name, {column} AS n FROM person WHERE "
                                    f"{column} >= ? AND {column} < ? AND _deleted = 0 "
                                    f"ORDER BY {column} LIMIT ?", (start, end, limit)):
                found.append((str(row["n"]).lstrip("+"),
                              Hit("person", row["id"], str(row["full_name"] or ""), 0.0)))
    found.sort(key=lambda pair: pair[0])
    out: dict[str, Hit] = {}
    for _number, hit in found:
        out.setdefault(hit.id, hit)
    return list(out.values())[:limit]
