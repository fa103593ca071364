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

The people's CCCD and phone are not in the full-text index (migration 27, issue 12: 3.6 MB at
100,000 people): a word of digits among other words matches a person whose name has a word
beginning with it (the index) or whose CCCD or phone begins with it (read on the row, or
through their indexes when few do), so every search finds what it found when the numbers
were words of the index, in the same tiers: a tier is tested on the text the index held.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain import text
from desktop.domain.kinds import KINDS
from desktop.storage import dbapi, paging, walk

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


def _fts_words(words: list[str]) -> str:
    """An FTS5 query: every word as a prefix (quoted: search_words holds no quote)."""
    return " ".join(f'"{w}"*' for w in words)


# The text the people's full-text index held before migration 27, on "t": the name's words,
# the CCCD, the phone without its "+" (``text.search_words`` of the three: each number is
# one word of digits, validation.py).
_OLD_TEXT = ("ltrim(coalesce(t._search, '') || coalesce(' ' || nullif(t.citizen_id, ''), '') "
             "|| coalesce(' ' || nullif(ltrim(t.phone, '+'), ''), ''), ' ')")
# A search of words and numbers reads the people a number gives (its indexes) when they are
# fewer than this or than those the words give (the full-text index), each counted up to
# COUNTED; otherwise those the words give. Either way each is tested on its row.
FEW_NUMBERS = 2000
COUNTED = 20000
_NAMED = "SELECT 1 FROM person_fts WHERE person_fts MATCH ?"


def _count(conn: dbapi.Connection, sql: str, args: tuple[object, ...]) -> int:
    return int(conn.execute(f"SELECT count(*) FROM ({sql} LIMIT ?)",
                            (*args, COUNTED)).fetchone()[0])


def people_filters(words: list[str]) -> list[paging.Filter]:
    """What a list of people keeps of a search (on ``p``, ``{t}`` walked): every word begins
    a word of the name (the full-text index), and each word of digits begins a word of the
    name, the CCCD or the phone (one filter each: the paging plans drive from the fewest)."""
    out = []
    named = [w for w in words if not w.isdigit()]
    if named:
        match = _fts_words(named)
        test, test_args = walk.word_tests("{t}._search", named)
        fts = "SELECT rowid FROM person_fts WHERE person_fts MATCH ?"
        out.append(paging.Filter(test, tuple(test_args), f"p._rowid IN ({fts})", (match,),
                                 fts, (match,), ("_search",), rowids=True, words=tuple(named)))
    for digits in dict.fromkeys(w for w in words if w.isdigit()):
        drive, args = number_sql(digits)
        if named:  # a walk reads the numbers off the row only when the name's words passed
            # (the filters of words come first): the walk stays on the name index
            numbers = (f"EXISTS (SELECT 1 FROM person n WHERE n._rowid = {{t}}._rowid AND "
                       f"({NUMBER_SQL.format(c='+n.')}))")
            columns: tuple[str, ...] = ("_search",)
        else:  # numbers alone: each row walked is read (the plans weigh it so)
            numbers, columns = NUMBER_SQL.format(c="+{t}."), ("_search", "citizen_id", "phone")
        out.append(paging.Filter(
            f"instr(' ' || {{t}}._search, ?) > 0 OR {numbers}",
            (" " + digits, *number_ranges(digits)), drive, args,
            *((f"SELECT 1 FROM person p WHERE {drive}", args, columns) if named else
              (NUMBER_ROWIDS, args, columns, True)),
            **({} if named else {"digits": digits, "named": _NAMED_ROWIDS,
                                 "named_args": args[:1]})))
    return out


# The people a word of whose name begins with digits (number_sql's first argument).
_NAMED_ROWIDS = "SELECT rowid FROM person_fts WHERE person_fts MATCH ?"
# The rowids of number_sql's people (its arguments), off the indexes alone (no row read): a
# person twice when both the CCCD and the phone begin so. A number alone is placed by them in
# name order (paging._by_rank), as a name's words are by the full-text index's rowids.
NUMBER_ROWIDS = " UNION ALL ".join([
    "SELECT rowid FROM person_fts WHERE person_fts MATCH ?",
    *(f"SELECT _rowid AS rowid FROM person WHERE {c} >= ? AND {c} < ?"
      for c in ("citizen_id", "phone", "phone"))])


def number_sql(digits: str) -> tuple[str, tuple[object, ...]]:
    """People (``p``) with a word of the name, the CCCD or the phone that begins with
    ``digits``, each read through its index (the name's: the full-text index)."""
    name = "p._rowid IN (SELECT rowid FROM person_fts WHERE person_fts MATCH ?)"
    return (f"{name} OR {NUMBER_SQL.format(c='p.')}", (_fts_words([digits]),
                                                      *number_ranges(digits)))


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
    held: dict = {}  # what the people's search of words and numbers keeps for the next tier
    for tier, match in enumerate(_tier_queries(words)):
        found: list[tuple[str, Hit]] = []
        for name in kinds:
            kind = KINDS[name]
            t = kind.table
            if name == "person" and any(w.isdigit() for w in words):
                found += [(key, Hit(name, i, title, float(tier))) for i, title, key in
                          _people_with_digits(conn, words, tier, held)
                          if (name, i) not in seen]
                continue
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


def _people_with_digits(conn: dbapi.Connection, words: list[str], tier: int, held: dict
                        ) -> list[tuple[str, str, str]]:
    """(id, name, name key) of the first CANDIDATES people, by rowid as the full-text index
    gave them, that a tier of ``words`` (some of digits) matched when the index held the
    CCCD and the phone: the tier tested on that text, rebuilt from the row. Read from those
    whose name has the other words (the index), or from those a word of digits begins a
    number or a name's word of when they are fewer (the number indexes). The two phrase
    tiers are read together (a phrase at the start is a phrase): ``held`` keeps them, and
    the count of the numbers, for the search's next tier."""
    if tier < 2 and "phrases" in held:
        return held["phrases"][tier]
    joined = " ".join(words)
    at_start = f"substr({_OLD_TEXT}, 1, ?) = ?", (len(joined), joined)
    if tier < 2:
        test, args = f"instr(' ' || {_OLD_TEXT}, ?) > 0", (" " + joined,)
    else:
        test = " AND ".join(f"instr(' ' || {_OLD_TEXT}, ?) > 0" for _w in words)
        args = tuple(" " + w for w in words)
    named = [w for w in words if not w.isdigit()]
    digits = max((w for w in words if w.isdigit()), key=len)
    numbers, number_args = number_sql(digits)
    match = _name_match(words, tier < 2)
    if "numbers" not in held:
        held["numbers"] = _count(conn, f"SELECT 1 FROM person p WHERE {numbers}", number_args)
    few = not named or held["numbers"] < max(FEW_NUMBERS, _count(conn, _NAMED, (match,)))
    select = f"SELECT t.id, t.full_name, t.name_key, {at_start[0]} FROM "
    if few:
        sql = (f"{select}person t WHERE t._rowid IN (SELECT p._rowid FROM person p WHERE "
               f"{numbers}) AND t._deleted = 0 AND {test} ORDER BY t._rowid")
        params: tuple[object, ...] = (*at_start[1], *number_args, *args)
    else:
        sql = (f"{select}person_fts JOIN person t ON t._rowid = person_fts.rowid WHERE "
               f"person_fts MATCH ? AND t._deleted = 0 AND {test}")
        params = (*at_start[1], match, *args)
    tiers: tuple[list, list] = ([], [])
    for row in conn.execute(sql, params):
        found = (str(row[0]), str(row[1] or ""), str(row[2] or ""))
        if tier == 2:
            tiers[1].append(found)
        else:
            if row[3] and len(tiers[0]) < CANDIDATES:
                tiers[0].append(found)
            if len(tiers[1]) < CANDIDATES:
                tiers[1].append(found)
        if len(tiers[1]) >= CANDIDATES and (tier == 2 or len(tiers[0]) >= CANDIDATES):
            break
    if tier == 2:
        return tiers[1]
    held["phrases"] = tiers
    return tiers[tier]


def _name_match(words: list[str], phrase: bool) -> str:
    """An FTS5 query of the name's words that every person a tier of ``words`` matched has:
    each word not of digits begins a word of the name; in a phrase (tiers 0 and 1), each run
    of such words between words of digits is a phrase of the name (the numbers followed the
    name's words), its words whole but the query's last."""
    if not phrase:
        return _fts_words([w for w in words if not w.isdigit()])
    runs: list[str] = []
    start = None
    for i, w in enumerate([*words, "0"]):  # a word of digits closes the last run
        if not w.isdigit():
            start = i if start is None else start
            continue
        if start is not None:
            last = i == len(words)  # the run ends the query: its last word is a prefix
            runs.append('"' + " ".join(words[start:i]) + '"' + (" *" if last else ""))
            start = None
    return " ".join(runs)
