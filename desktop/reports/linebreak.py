"""Breaking an agency name into lines the way a clerk would (Nghị định 30/2020, ô 1–2): between
the phrases of the name, never inside a word of two syllables such as "trật tự" or "an ninh",
and never inside the name of a place ("bản Quài Nưa").

Vietnamese writes every syllable apart, so a plain word wrap happily prints "TRẬT / TỰ". The
rule here: a line may end after a comma, or before the kind of a place (bản, thôn, xã …) at no
cost; between two ordinary syllables at a small cost; inside a place name at a higher one and
inside one of the compounds below only if nothing else fits; each line costs a little too.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.domain import text

# Two-syllable words of agency and organization names (folded, lower case).
COMPOUNDS = frozenset({
    "an ninh", "trat tu", "bao ve", "cong an", "to quoc", "dan pho", "hoa giai", "tu quan",
    "dan phong", "lien gia", "quan chung", "nhan dan", "uy ban", "xung kich", "thanh nien",
    "phu nu", "chien binh", "mat tran", "doc lap", "tu do", "hanh phuc", "cong hoa", "xa hoi",
    "chu nghia", "viet nam", "dac khu", "thi tran", "thanh pho", "giao thong", "chua chay",
    "phong chay", "cuu ho", "cuu nan", "truong hoc", "dan quan", "tu ve", "co so",
    "phap luat", "cau lac", "lac bo", "an toan", "toan dan", "van hoa", "hoi dong", "gia dinh",
    "dong ho", "binh yen", "mo hinh", "tien tien",
})
# What starts the name of a place: a break before it costs nothing, inside the name much.
PLACE_STARTS = (("to", "dan", "pho"), ("dac", "khu"), ("thi", "tran"), ("thanh", "pho"),
                ("ban",), ("thon",), ("xa",), ("phuong",), ("tinh",), ("huyen",), ("khu",),
                ("ap",), ("xom",), ("khoi",), ("lang",), ("buon",), ("soc",), ("khom",))
FREE, WORD, IN_PLACE, IN_WORD = 0, 2, 15, 100
LINE = 10  # one more line is worth a few plain breaks, not a broken word


def _starts_place(folded: list[str], k: int) -> bool:
    for phrase in PLACE_STARTS:
        if tuple(folded[k:k + len(phrase)]) != phrase:
            continue
        # "xã hội" is no commune: a single word that begins a compound starts no place.
        return len(phrase) > 1 or k + 1 >= len(folded) or (
            f"{folded[k]} {folded[k + 1]}" not in COMPOUNDS)
    return False


def break_costs(words: list[str]) -> list[int]:
    """The cost of ending a line after each word but the last."""
    folded = [text.fold(w).strip(",.;:") for w in words]
    costs = []
    in_place = False
    for i in range(len(words) - 1):
        if words[i].endswith((",", ";")):
            in_place = False
            costs.append(FREE)
        elif f"{folded[i]} {folded[i + 1]}" in COMPOUNDS:
            costs.append(IN_WORD)
        elif _starts_place(folded, i + 1):
            costs.append(FREE)
            in_place = True
        else:
            costs.append(IN_PLACE if in_place else WORD)
    return costs


def split_phrases(value: str, fits: Callable[[str], bool]) -> list[str]:
    """``value`` in as few lines as ``fits`` allows, broken at the cheapest places."""
    words = value.split()
    if not words:
        return []
    if fits(" ".join(words)):
        return [" ".join(words)]
    costs = break_costs(words)
    n = len(words)
    # best[i]: (cost, breaks) of the best way to lay out words[i:]
    best: list[tuple[int, list[int]] | None] = [None] * n + [(0, [])]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n + 1):
            line = " ".join(words[i:j])
            if j > i + 1 and not fits(line):
                break
            rest = best[j]
            if rest is None:
                continue
            cost = rest[0] + LINE + (costs[j - 1] if j < n else 0)
            current = best[i]
            if current is None or cost < current[0]:
                best[i] = (cost, [j, *rest[1]])
    result = best[0]
    assert result is not None  # a single word always makes a line
    lines, start = [], 0
    for end in result[1]:
        lines.append(" ".join(words[start:end]))
        start = end
    return lines
