"""Columns computed from a record's fields on every write: sort keys, folded search text,
and the defaults that need the database (the next minutes number)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from desktop.domain import text
from desktop.domain.kinds import Kind
from desktop.storage import dbapi


def column_names(kind: Kind) -> list[str]:
    return [*kind.extra_columns, *(["_search"] if kind.searchable else [])]


def columns(kind: Kind, record: Mapping[str, object]) -> list[str | None]:
    """Values of :func:`column_names` for ``record``, in the same order."""
    out: list[str | None] = []
    for name in kind.extra_columns:
        if name == "name_key":
            out.append(name_key(kind, record.get(kind.title_field)))
        else:  # pragma: no cover - a kind declared a column nobody computes
            raise KeyError(name)
    if kind.searchable:
        parts = (str(record[f]) for f in kind.search_fields if record.get(f))
        out.append(" ".join(text.search_words(" ".join(parts))))
    return out


def columns_many(kind: Kind, records: Sequence[Mapping[str, object]]) -> list[list[str | None]]:
    """:func:`columns` of many records (an import's new ones), the same values: each distinct
    title's key once, and the search text of all of them folded and split by one
    ``translate`` and one regular expression instead of a few calls a record (issue 12)."""
    if len(records) < 2:
        return [columns(kind, r) for r in records]
    out: list[list[str | None]] = [[] for _r in records]
    for name in kind.extra_columns:
        if name != "name_key":  # pragma: no cover - a kind declared a column nobody computes
            raise KeyError(name)
        titles = [r.get(kind.title_field) for r in records]
        keys = {t: name_key(kind, t) for t in set(titles)}
        for row, t in zip(out, titles, strict=True):
            row.append(keys[t])
    if kind.searchable:
        for row, words in zip(out, _search_texts(kind, records), strict=True):
            row.append(words)
    return out


_RECORD_SEP = "\x00"  # folds to itself and is no word character: it parts the records
# Runs of what is no word character but the separator; "_" (a word character to re, not to
# search_words) is made a space first: one character class, not an alternation tried at
# every character (issue 12: 11 -> 5.5 ms over 10,000 people's names).
_NOT_A_WORD_OR_SEP = re.compile(r"[^\w\x00]+")


def _search_texts(kind: Kind, records: Sequence[Mapping[str, object]]) -> list[str]:
    """The ``_search`` text of each record: as ``text.search_words`` of its search fields
    joined, computed over all the records at once."""
    fields = kind.search_fields
    texts = [" ".join([str(v) for v in (r.get(f) for f in fields) if v]) for r in records]
    joined = _RECORD_SEP.join(texts)
    if joined.count(_RECORD_SEP) != len(texts) - 1:  # a value holds the separator itself
        return [" ".join(text.search_words(t)) for t in texts]
    folded = text.fold_chars(joined).replace("_", " ")
    return [t.strip(" ") for t in _NOT_A_WORD_OR_SEP.sub(" ", folded).split(_RECORD_SEP)]


def name_key(kind: Kind, title: object) -> str:
    """The sort key of a record's title (a person's name in roster order)."""
    title = str(title or "")
    return text.name_sort_key(title) if kind.name_sorted else text.sort_key(title)


def fill_defaults(conn: dbapi.Connection, kind: Kind, record: dict[str, object],
                  *, is_new: bool) -> None:
    if kind.name == "meeting":
        _fill_meeting_number(conn, record)
    elif kind.name == "tip":
        from desktop.storage import tips  # the source code of a tip

        tips.fill_defaults(conn, record, is_new=is_new)
    elif kind.name in ("crime_stat", "safety_evaluation"):
        from desktop.storage import results  # a period's dates; an establishment's kind

        results.fill_defaults(conn, kind.name, record)


DEFAULT_ISSUER = "CAX"  # the commune police's own ký hiệu, for an organization's first minutes


def _fill_meeting_number(conn: dbapi.Connection, record: dict[str, object]) -> None:
    """Minutes are numbered per issuing body (the organization and its ký hiệu) per year:
    "Số: 05/BB-TBV". Left empty, the ký hiệu is that of the organization's own series."""
    started = record.get("started_at")
    if started:
        record["year"] = int(str(started)[:4])
    if not record.get("issuer"):
        record["issuer"] = meeting_issuer(conn, str(record.get("organization_id")))
    if record.get("number") is None and record.get("year"):
        record["number"] = next_meeting_number(conn, str(record.get("organization_id")),
                                               str(record["issuer"]), int(record["year"]))


def meeting_issuer(conn: dbapi.Connection, organization_id: str) -> str:
    """The ký hiệu of an organization's own series of minutes: the one most used in the
    latest year it has minutes (on a tie, the latest used), so that one minutes numbered
    otherwise by hand does not start a new series; CAX before its first minutes."""
    row = conn.execute(
        "SELECT issuer FROM meeting WHERE organization_id = :o AND _deleted = 0 "
        "AND coalesce(issuer, '') != '' AND year = (SELECT max(year) FROM meeting "
        "WHERE organization_id = :o AND _deleted = 0 AND coalesce(issuer, '') != '') "
        "GROUP BY issuer ORDER BY count(*) DESC, max(started_at) DESC, issuer LIMIT 1",
        {"o": organization_id}).fetchone()
    return str(row[0]) if row is not None else DEFAULT_ISSUER


def next_meeting_number(conn: dbapi.Connection, organization_id: str, issuer: str,
                        year: int) -> int:
    row = conn.execute("SELECT max(number) FROM meeting WHERE organization_id = ? AND "
                       "issuer = ? AND year = ? AND _deleted = 0",
                       (organization_id, issuer, year)).fetchone()
    return (row[0] or 0) + 1


def format_meeting_number(number: int | None, issuer: str | None) -> str:
    """"05/BB-CAX": numbers below 10 take a leading zero (Nghị định 30/2020)."""
    if number is None:
        return ""
    return f"{number:02d}/BB-{issuer or ''}".rstrip("-")
