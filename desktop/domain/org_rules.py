"""The rules an organization type sets for its members (Luật 30/2023/QH15 for the Tổ bảo vệ an
ninh, trật tự; DOMAIN.md §1.2): an age range, roles held by one member at a time, members
living in the Tổ's own thôn/bản. The numbers come from the type's catalogue item (its
``attrs``), not from code, as every threshold of the law does: a province may set others.

Pure functions: storage gathers the people and the organization (the one write path and the
spreadsheet import use the same checks), this module says what is wrong.

* Under the minimum age: an error. The law has no exception, and a child on a Tổ's roster is
  nearly always a mistyped birth date.
* Over the maximum age: a warning. The Chủ tịch UBND xã may accept an older member in good
  health (Điều 13).
* A second holder of a role held by one (a second Tổ trưởng): a warning; during a handover
  both are on the roster until the first one's leaving is recorded.
* Living outside the Tổ's thôn/bản: a warning; the law allows exceptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from desktop.domain import dates
from desktop.i18n import _


@dataclass(frozen=True)
class TypeRules:
    """What an organization type asks of its members (nothing, for most types)."""

    type_name: str  # "Tổ bảo vệ an ninh, trật tự"
    min_age: int | None = None
    max_age: int | None = None
    single_roles: tuple[str, ...] = ()
    residents_only: bool = False
    age_basis: str = ""  # the article that sets the age range, for the message

    @classmethod
    def from_attrs(cls, type_name: str, attrs: Mapping[str, object]) -> TypeRules:
        def whole(key: str) -> int | None:
            value = attrs.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        roles = attrs.get("single_roles")
        return cls(type_name, min_age=whole("min_age"), max_age=whole("max_age"),
                   single_roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
                   residents_only=attrs.get("residents_only") is True,
                   age_basis=str(attrs.get("age_basis") or attrs.get("legal_basis") or ""))

    @property
    def any(self) -> bool:
        return bool(self.min_age or self.max_age or self.single_roles or self.residents_only)


def age_range(birth_iso: str, on: dt.date) -> tuple[int, int]:
    """(youngest, oldest) the person can be on ``on``; a birth year alone leaves a range."""
    birth = dates.PartialDate.from_iso(birth_iso)
    latest, earliest = birth.latest(), birth.earliest()

    def age(born: dt.date) -> int:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    return age(latest), age(earliest)


@dataclass(frozen=True)
class Findings:
    errors: list[str]
    warnings: list[str]


def check_member(rules: TypeRules, *, name: str, birth_date: str | None, on: dt.date,
                 role: str | None = None, role_name: str = "",
                 other_holders: Sequence[str] = (), residence: str | None = None,
                 residence_name: str = "", area: str | None = None,
                 area_name: str = "") -> Findings:
    """What is wrong with ``name`` being (or becoming, on ``on``) a member with ``role``.

    ``other_holders`` are the names of the organization's other current members with that
    role; ``residence`` and ``area`` are the person's thôn/bản and the organization's (None
    when either is unknown or the organization covers a whole commune)."""
    errors: list[str] = []
    warnings: list[str] = []
    if birth_date and (rules.min_age or rules.max_age):
        youngest, oldest = age_range(birth_date, on)
        basis = f" ({rules.age_basis})" if rules.age_basis else ""
        if rules.min_age and oldest < rules.min_age:
            errors.append(_("{n} mới {a} tuổi; thành viên {t} phải từ đủ {m} tuổi trở lên{b}")
                          .format(n=name, a=max(oldest, 0), t=rules.type_name,
                                  m=rules.min_age, b=basis))
        elif rules.max_age and youngest > rules.max_age:
            warnings.append(_("{n} đã {a} tuổi, quá {m} tuổi: cần Chủ tịch UBND xã chấp thuận "
                              "cho tham gia{b}").format(n=name, a=youngest, m=rules.max_age,
                                                        b=basis))
    if role and role in rules.single_roles and other_holders:
        warnings.append(_("đã có {r}: {o}; mỗi {t} chỉ có một {r} (ghi ngày thôi tham gia của "
                          "người cũ khi thay)").format(r=role_name or role,
                                                      o=", ".join(other_holders),
                                                      t=rules.type_name))
    if rules.residents_only and residence and area and residence != area:
        warnings.append(_("{n} cư trú tại {h}, không ở địa bàn của tổ ({a})").format(
            n=name, h=residence_name or residence, a=area_name or area))
    return Findings(errors, warnings)
