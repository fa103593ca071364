"""The attributes (``attrs``) the catalogues carry, each a field with a label and a type.

A catalogue item keeps its rules in ``attrs``, a JSON object (the age range of a Tổ bảo vệ
ANTT, the rank of a role, the subjects an An toàn criterion applies to …): the shipped ones in
resources/catalogues/catalogues.json, read by storage (catalogues.py, rosters.py, results.py,
statistics.py, reports/article.py). This module names each known attribute as a
:class:`Field`, so that the window builds a labelled widget for it and every write (the
window's editor, ``antq add/edit catalogue attrs='{…}'``) is checked by the same rules
(:func:`check`, a record rule of :mod:`desktop.domain.validation`).

An attribute this version does not know (a province's newer rule) is kept as it is: never
checked beyond being JSON, never dropped when the known ones are edited.

Stored JSON forms: BOOL a JSON true/false, INT a whole number, TEXT/LONGTEXT a string, DATE an
ISO date, CHOICE one of its codes, a list (LONGTEXT with ``catalogue`` or ``choices``) a JSON
array of codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from desktop.domain.errors import ValidationError
from desktop.domain.kinds import SAFETY_SUBJECTS, Field, FieldType
from desktop.i18n import _

# validation.clean_field: one value by the write path's rules for its field's type.
Cleaner = Callable[[Field, object], object]

T = FieldType
ATTRS_LABEL = _("Thuộc tính")
# Ages, ranks and counts: whole numbers from 0 up to this (no rule needs more).
INT_LARGEST = 1000

_LEGAL_BASIS = Field("legal_basis", T.TEXT, _("Căn cứ pháp lý"), max_length=300)
_COMMENDATION_LEVELS = (("trung_uong", _("Trung ương")), ("tinh", _("Tỉnh")),
                        ("huyen", _("Huyện (trước 2025)")), ("xa", _("Xã")))
_ONE_PER = (("thon", _("Thôn/bản/tổ dân phố")), ("xa", _("Xã/phường/đặc khu")))

ATTRIBUTES: dict[str, tuple[Field, ...]] = {
    "org_type": (
        # In the order the roles are offered in; the plain member's last.
        Field("roles", T.LONGTEXT, _("Chức danh của tổ chức"), catalogue="role"),
        Field("required_roles", T.LONGTEXT, _("Chức danh bắt buộc phải có"), catalogue="role"),
        Field("single_roles", T.LONGTEXT, _("Chức danh chỉ một người giữ"), catalogue="role"),
        Field("min_members", T.INT, _("Số thành viên tối thiểu")),
        Field("min_age", T.INT, _("Tuổi tối thiểu của thành viên")),
        Field("max_age", T.INT, _("Tuổi tối đa của thành viên")),
        Field("age_basis", T.TEXT, _("Căn cứ quy định độ tuổi"), max_length=300),
        Field("residents_only", T.BOOL, _("Thành viên phải cư trú tại thôn/bản của tổ")),
        Field("one_per", T.CHOICE, _("Mỗi đơn vị chỉ có một tổ"), choices=_ONE_PER),
        _LEGAL_BASIS,
    ),
    "role": (
        Field("rank", T.INT, _("Thứ bậc (1 là cao nhất)")),
        Field("leader", T.BOOL, _("Là chức danh chỉ huy")),
    ),
    "model_type": (Field("field", T.TEXT, _("Lĩnh vực"), max_length=200),),
    "ethnicity": (
        Field("qd121_1979", T.TEXT, _("Mã theo Quyết định 121-TCTK/PPCĐ (1979)"), max_length=10),
        Field("qd1019_2008", T.TEXT, _("Mã theo Quyết định 1019/QĐ-TCTK (2008)"), max_length=10),
        Field("name_1979", T.TEXT, _("Tên theo danh mục năm 1979"), max_length=120),
    ),
    "commendation_level": (
        Field("level", T.CHOICE, _("Cấp"), choices=_COMMENDATION_LEVELS),
        Field("legacy", T.BOOL, _("Cấp cũ, không còn sau sắp xếp")),
        Field("valid_until", T.DATE, _("Dùng đến ngày")),
    ),
    "meeting_kind": (
        Field("periodic", T.BOOL, _("Sinh hoạt định kỳ")),
        _LEGAL_BASIS,
    ),
    "exit_reason": (
        _LEGAL_BASIS,
        Field("article", T.TEXT, _("Điều, khoản"), max_length=120),
        Field("clause", T.TEXT, _("Điểm"), max_length=20),
        Field("detail", T.LONGTEXT, _("Hướng dẫn thủ tục")),
    ),
    "tip_category": (
        Field("social_order", T.BOOL, _("Thuộc nhóm tội phạm về trật tự xã hội")),
    ),
    "safety_criterion": (
        Field("applies", T.LONGTEXT, _("Áp dụng cho"), choices=SAFETY_SUBJECTS),
        Field("version", T.TEXT, _("Văn bản quy định tiêu chí"), max_length=60),
    ),
}


def fields_of(catalogue: str | None) -> tuple[Field, ...]:
    """The attributes of a catalogue (none for a catalogue without rules)."""
    return ATTRIBUTES.get(catalogue or "", ())


def is_list(f: Field) -> bool:
    return f.type is T.LONGTEXT and bool(f.catalogue or f.choices)


def parse(stored: object) -> dict[str, object]:
    """The stored ``attrs`` as a dict; refused (naming «Thuộc tính») unless a JSON object."""
    if stored is None or (isinstance(stored, str) and not stored.strip()):
        return {}
    if isinstance(stored, dict):
        return dict(stored)
    try:
        value = json.loads(str(stored))
    except ValueError:
        raise ValidationError("attrs", _("không phải JSON hợp lệ"),
                              label=ATTRS_LABEL) from None
    if not isinstance(value, dict):
        raise ValidationError("attrs", _("phải là một đối tượng JSON {…}"), label=ATTRS_LABEL)
    return value


def dump(attrs: Mapping[str, object]) -> str | None:
    """The stored text of ``attrs`` (None when empty), as the shipped rows are written."""
    return json.dumps(dict(attrs), ensure_ascii=False) if attrs else None


def clean(f: Field, typed: str | None, clean_field: Cleaner) -> object:
    """The JSON value of what the officer typed or ticked for attribute ``f`` (None: not set),
    by the write path's own rules for its type (``clean_field``: validation's, given by the
    caller, since validation calls :func:`check`); a bad value names the attribute's label."""

    if is_list(f):
        codes = [c.strip() for c in (typed or "").split(";") if c.strip()]
        if f.choices:
            allowed = {code for code, _label in f.choices}
            for code in codes:
                if code not in allowed:
                    raise ValidationError(f.name, _("«{v}» không hợp lệ; chọn trong: {a}").format(
                        v=code, a=", ".join(label for _c, label in f.choices)), label=f.label)
        return codes or None
    value = clean_field(f, typed)
    if value is None:
        return None
    if f.type is T.BOOL:
        return bool(value)
    if f.type is T.INT and not 0 <= int(value) <= INT_LARGEST:
        raise ValidationError(f.name, _("phải từ 0 đến {n}").format(n=INT_LARGEST),
                              label=f.label)
    return value


def as_typed(f: Field, value: object) -> str | None:
    """A stored JSON value as the widget of ``f`` takes it (the inverse of :func:`clean`)."""
    if value is None:
        return None
    if is_list(f):
        return "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if f.type is T.BOOL:
        return "1" if value is True else "0"
    return str(value)


def merged(catalogue: str | None, stored: object, typed: Mapping[str, str | None],
           clean_field: Cleaner) -> dict[str, object]:
    """``stored`` attrs with the known attributes set from ``typed`` (cleared when empty);
    every other key, and its order, kept as it was."""
    out = parse(stored)
    for f in fields_of(catalogue):
        if f.name not in typed:
            continue
        value = clean(f, typed[f.name], clean_field)
        if value is None or (value is False and f.name not in out):
            out.pop(f.name, None)  # an unticked box never set says nothing
        else:
            out[f.name] = value
    return out


def check(record: Mapping[str, object], clean_field: Cleaner) -> list[str]:
    """The record rule of a catalogue item: ``attrs`` a JSON object whose known attributes
    hold values of their type (as :func:`clean` makes them); unknown ones pass."""
    attrs = parse(record.get("attrs"))
    for f in fields_of(str(record.get("catalogue") or "")):
        if attrs.get(f.name) is not None:
            try:
                _check_stored(f, attrs[f.name], clean_field)
            except ValidationError as e:  # the whole field is «attrs»; the label says which
                raise ValidationError("attrs", e.message, label=f.label) from None
    min_age, max_age = attrs.get("min_age"), attrs.get("max_age")
    if isinstance(min_age, int) and isinstance(max_age, int) and max_age < min_age:
        label = next(f.label for f in ATTRIBUTES["org_type"] if f.name == "max_age")
        raise ValidationError("attrs", _("không được nhỏ hơn tuổi tối thiểu"), label=label)
    return []


def _check_stored(f: Field, value: object, clean_field: Cleaner) -> None:
    if is_list(f):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f.name, _("phải là danh sách mã"))
        clean(f, "; ".join(value), clean_field)
    elif f.type is T.BOOL:
        if not isinstance(value, bool):
            raise ValidationError(f.name, _("phải là true hoặc false"))
    elif f.type is T.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f.name, _("phải là số nguyên"))
        clean(f, str(value), clean_field)
    else:
        if not isinstance(value, str):
            raise ValidationError(f.name, _("phải là chữ"))
        cleaned = clean(f, value, clean_field)
        if f.type in (T.DATE, T.CHOICE) and cleaned != value:
            raise ValidationError(f.name, _("phải ở dạng lưu trữ «{v}»").format(v=cleaned))
