"""The second plan of a search: walking a list in its own order and testing each row's words.

The full-text index reads every match, and the list then sorts them all: about 1 µs a match
("van" matches 29,000 of 100,000 people: 18 ms). A broad search is answered sooner by walking
the list in its order on an index and testing each row's stored search text with ``instr``:
the first page comes after 100 / share-of-matches rows (0.3 µs a row on a covering index),
unless the matches sit together far down the order (everyone whose given name is Yến). So a
search with at least BROAD_SEARCH matches walks, reading at most WALK_ROWS rows, then falls
back to the index. Both plans find the same rows: stored search text is the words the index
holds (``text.search_words``), one space between them. tests/benchmarks/bench_storage.py
measures both plans and the choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from desktop.storage import dbapi

BROAD_SEARCH = 2000
WALK_ROWS = 16000


def is_broad(conn: dbapi.Connection, table: str, match: str) -> bool:
    """Whether an FTS query over ``table`` matches at least BROAD_SEARCH rows (counting
    stops there)."""
    row = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts "
                       "MATCH ? LIMIT ?)", (match, BROAD_SEARCH)).fetchone()
    return int(row[0]) >= BROAD_SEARCH


def word_tests(column: str, words: Sequence[str], *, named: bool = False
               ) -> tuple[str, list[str] | dict[str, str]]:
    """SQL that holds when every word begins a word of ``column``, and its parameters
    (``named``: as :walk_w0, :walk_w1 … for a query with named parameters)."""
    if named:
        sql = " AND ".join(f"instr(' ' || {column}, :walk_w{i}) > 0" for i in range(len(words)))
        return sql, {f"walk_w{i}": " " + w for i, w in enumerate(words)}
    return (" AND ".join(f"instr(' ' || {column}, ?) > 0" for _ in words),
            [" " + w for w in words])


def first_page(conn: dbapi.Connection, scanned: str, args: Sequence[object] | Mapping,
               words: Sequence[str], limit: int, offset: int) -> list[int] | None:
    """The rowids of one page of matches, or None when WALK_ROWS rows were not enough.

    ``scanned`` selects ``r`` (the rowid) and ``s`` (the search text) of the list in its
    order, without LIMIT; ``args`` are its parameters, positional or named."""
    bounded = f"{scanned} LIMIT {WALK_ROWS:d}"
    if isinstance(args, Mapping):
        test, named = word_tests("s", words, named=True)
        params: Sequence[object] | Mapping = {**args, **named,  # type: ignore[dict-item]
                                              "walk_limit": limit, "walk_offset": offset}
        page_sql = f"SELECT r FROM ({bounded}) WHERE {test} LIMIT :walk_limit OFFSET :walk_offset"
    else:
        test, positional = word_tests("s", words)
        params = [*args, *positional, limit, offset]
        page_sql = f"SELECT r FROM ({bounded}) WHERE {test} LIMIT ? OFFSET ?"
    rowids = [int(r[0]) for r in conn.execute(page_sql, params)]
    if len(rowids) < limit:  # fewer than asked: the list ended, or the walk gave up
        read = conn.execute(f"SELECT count(*) FROM ({bounded})", args).fetchone()[0]
        if read >= WALK_ROWS:
            return None
    return rowids


def rowid_list(rowids: Sequence[int]) -> str:
    """``(1,2,3)`` for ``IN``: integers read from the database, never user text."""
    return "(" + ",".join(str(int(r)) for r in rowids) + ")"
