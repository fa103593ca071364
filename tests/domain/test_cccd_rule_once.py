"""The whole-record rule on a person's CCCD (validation.check_record, run by an import for
every person it writes) says what cccd.check_citizen_id says of the whole number, and decodes
a number once per first six digits, birth year, sex, current year and language (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop import i18n
from desktop.domain import cccd, validation
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import PERSON


def _person(number: str, born: str, gender: str | None) -> dict[str, object]:
    return {"full_name": "Lò Văn Tủa", "citizen_id": number, "birth_date": born,
            "gender": gender}


def _said(record: dict[str, object]) -> tuple[str | None, list[str]]:
    """(the error check_record raises, None if none; the warnings it returns)."""
    try:
        return None, validation.check_record(PERSON, record)
    except ValidationError as e:
        return e.message, []


def _as_the_whole_number_says(record: dict[str, object]) -> tuple[str | None, list[str]]:
    info = cccd.check_citizen_id(str(record["citizen_id"]),
                                 birth_year=int(str(record["birth_date"])[:4]),
                                 gender=record["gender"])  # type: ignore[arg-type]
    label = PERSON.field("citizen_id").label
    return (" ".join(info.errors) or None,
            [] if info.errors else [f"{label}: {w}" for w in info.warnings])


NEXT = (dt.date.today().year + 1) % 100
CASES = [
    ("011085000123", "1985", "male"),  # Điện Biên, all agree
    ("011185123456", "1985-03-02", "female"),
    ("011085000124", "1984", "male"),  # another year
    ("011185000125", "1985", "male"),  # another sex
    ("011084999999", "1985", "female"),  # both
    ("999090000001", "1990", "male"),  # no such province: a warning
    ("998191000002", "1990", "female"),  # and an error
    ("011200000003", "2000", "male"),  # the 2000s
    ("011305000004", "2005", "female"),
    (f"0112{NEXT:02d}000005", f"20{NEXT:02d}", "male"),  # born next year
    ("011085000006", "1985", None),  # no sex recorded
    ("011 085 000 007", "1985", "female"),  # not as stored: the whole check
]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_rule_says_what_the_whole_number_says(language: str) -> None:
    was = i18n.current_language()
    i18n.activate(language)
    try:
        for number, born, gender in CASES:
            record = _person(number, born, gender)
            assert _said(record) == _as_the_whole_number_says(record), number
    finally:
        i18n.activate(was)


def test_messages_in_the_language_of_the_moment() -> None:
    record = _person("011085000123", "1984", "female")
    was = i18n.current_language()
    try:
        i18n.activate("vi")
        vi = _said(record)[0]
        i18n.activate("en")
        en = _said(record)[0]
        i18n.activate("vi")
        again = _said(record)[0]
    finally:
        i18n.activate(was)
    assert vi is not None and "Năm sinh" in vi
    assert en is not None and "year of birth" in en
    assert again == vi


def test_numbers_of_one_head_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 people of one commune, born the same year, of one sex: their numbers share their
    first six digits, and the rule decodes them once, not 1,000 times."""
    calls: list[str] = []
    real = cccd.check_citizen_id

    def counted(text: str, **kw: object) -> cccd.CitizenIdInfo:
        calls.append(text)
        return real(text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cccd, "check_citizen_id", counted)
    cached = getattr(validation, "_cccd_said", None)
    if cached is not None:
        cached.cache_clear()
    for i in range(1_000):
        assert _said(_person(f"011085{i:06d}", "1985", "male")) == (None, [])
    assert len(calls) == 1
