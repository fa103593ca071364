"""The roster ("Danh sách", DOMAIN.md §3.4): landscape A4, the header row on every page,
role first then Vietnamese name order, in the internal or the public-posting profile
(desktop/reports/profiles.py), marked «MẬT» when it lists a classified record. Also the rows
themselves, for the spreadsheet export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, LongTable, Spacer, TableStyle

from desktop.domain.kinds import MEMBERSHIP, PERSON
from desktop.i18n import _
from desktop.reports import page, profiles
from desktop.reports.fonts import BOLD, REGULAR, printable
from desktop.reports.letterhead import blank_number, in_sentence, place_of, police_of
from desktop.storage import accounts, dbapi, printouts, rosters
from desktop.storage.present import Presenter

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]

CELL_SIZE, CELL_LEADING, PAD = page.CELL_SIZE, page.CELL_LEADING, page.CELL_PAD
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX")


@dataclass(frozen=True)
class CommuneOrgs:
    """Every organization of one type in a commune (by default the Tổ bảo vệ ANTT), one group
    per organization."""

    commune_id: str
    org_type: str = "to_bao_ve_antt"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: float  # relative
    align: str = "LEFT"
    wrap: bool = False


COLUMNS = {c.key: c for c in (
    Column("stt", _("STT"), 10, "CENTER"),
    Column("full_name", _("Họ và tên"), 42, wrap=True),
    Column("birth_date", _("Ngày sinh"), 23, "CENTER"),
    Column("gender", _("Giới tính"), 15, "CENTER"),
    Column("ethnicity", _("Dân tộc"), 18, "CENTER", wrap=True),
    Column("religion", _("Tôn giáo"), 21, "CENTER", wrap=True),
    Column("citizen_id", _("Số định danh cá nhân"), 31, "CENTER"),
    Column("residence", _("Nơi cư trú"), 34, wrap=True),
    Column("role", _("Chức danh"), 26, wrap=True),
    Column("phone", _("Số điện thoại"), 25, "CENTER"),
    Column("notes", _("Ghi chú"), 20, wrap=True),
)}


@dataclass
class RosterData:
    title: str
    subtitle: str
    note: str | None
    columns: list[Column]
    groups: list[tuple[str | None, list[dict[str, str]]]]  # (heading, rows of shown values)
    unit_id: str | None
    profile: profiles.Profile
    classified: bool = False  # lists a person or organization classified Mật
    total: int = 0
    extra: dict[str, object] = field(default_factory=dict)
    empty_reason: str | None = None  # why a roster lists nobody, for a warning

    def warnings(self) -> list[str]:
        """What the officer should know before handing the paper out (an empty roster)."""
        return [self.empty_reason] if self.total == 0 and self.empty_reason else []


def roster_data(conn: dbapi.Connection, scope: rosters.Scope | CommuneOrgs, *,
                profile: profiles.Profile = profiles.Profile.INTERNAL,
                search: str | None = None, cancelled: CancelCheck | None = None) -> RosterData:
    """The roster as shown values, redacted by ``profile``: what both the PDF and the
    spreadsheet export print. A public copy of a roster listing a Mật record is refused."""
    presenter = Presenter(conn)
    groups: list[tuple[str | None, list[rosters.Record]]] = []
    with_role = True
    public = profile is profiles.Profile.PUBLIC
    note = _("(Bản niêm yết công khai)") if public else None
    org_ids: list[str] = []
    if isinstance(scope, CommuneOrgs):
        commune = printouts.unit(conn, scope.commune_id)
        type_name = presenter.catalogue_name("org_type", scope.org_type)
        subtitle = _("Thành viên các {t} {c}").format(t=type_name, c=in_sentence(
            str(commune["name"])))
        unit_id: str | None = scope.commune_id
        for org in printouts.organizations_of_type(conn, scope.commune_id, scope.org_type):
            people = rosters.people_page(conn, rosters.Scope("organization", str(org["id"])),
                                         search=search, limit=-1)
            groups.append((str(org["name"]), people))
            org_ids.append(str(org["id"]))
            if cancelled and cancelled():
                raise page.Cancelled()
    elif scope.kind == "organization":
        org = printouts.organization(conn, str(scope.id))
        unit_id = str(org["unit_id"])
        where = place_of(conn, unit_id).commune
        subtitle = (_("Những người đã thôi tham gia {o}") if scope.former
                    else _("Thành viên {o}")).format(o=org["name"])
        if where is not None and str(where["name"]).split(" ", 1)[-1] not in str(org["name"]):
            subtitle += ", " + in_sentence(str(where["name"]))
        org_ids.append(str(org["id"]))
        groups.append((None, rosters.people_page(conn, scope, search=search, limit=-1)))
    else:
        with_role = False
        unit_id = scope.id if scope.kind == "unit" else None
        if unit_id:
            subtitle = _("Người cư trú tại {u}").format(
                u=in_sentence(str(printouts.unit(conn, unit_id)["name"])))
        else:
            subtitle = _("Người trong cơ sở dữ liệu")
        groups.append((None, rosters.people_page(conn, scope, search=search, limit=-1)))
    # The keys are the person's field names where they show one, so the one profile
    # function (profiles.redact) treats them as it treats a record export.
    keys = ["stt", "full_name", "birth_date", "gender", "ethnicity", "religion", "citizen_id",
            "residence", "role", "phone", "notes"]
    if not with_role:
        keys.remove("role")
    keys = profiles.columns(profile, keys)
    classified = profiles.any_classified(conn, "organization", org_ids)
    shown_groups = []
    total = 0
    f_birth, f_gender, f_eth = (PERSON.field(n) for n in ("birth_date", "gender", "ethnicity"))
    f_res = PERSON.field("residence_unit_id")
    for heading, people in groups:
        rows = []
        for n, p in enumerate(people, start=1):
            classified = classified or p.get("classification") == profiles.CLASSIFIED
            rows.append(profiles.redact(profile, {
                "stt": str(n), "full_name": str(p["full_name"]),
                "birth_date": presenter.value(f_birth, p["birth_date"]),
                "gender": presenter.value(f_gender, p["gender"]),
                "ethnicity": presenter.value(f_eth, p["ethnicity"]),
                "religion": str(p.get("religion") or ""),
                "citizen_id": str(p["citizen_id"] or ""),
                "residence": presenter.value(f_res, p["residence_unit_id"]),
                "role": presenter.catalogue_name("role", str(p["role"])) if p.get("role")
                else "",
                "phone": str(p["phone"] or ""), "notes": _left_note(presenter, p),
            }))
            if cancelled and n % 500 == 0 and cancelled():
                raise page.Cancelled()
        total += len(rows)
        shown_groups.append((heading, rows))
    profiles.check_public(profile, classified)
    return RosterData(title=_("Danh sách"), subtitle=subtitle, note=note,
                      columns=[COLUMNS[k] for k in keys], groups=shown_groups, unit_id=unit_id,
                      profile=profile, classified=classified, total=total,
                      empty_reason=_empty_reason(conn, scope, groups, search) if not total
                      else None)


def _empty_reason(conn: dbapi.Connection, scope: rosters.Scope | CommuneOrgs,
                  groups: list, search: str | None) -> str:
    if search:
        return _("Danh sách có 0 người: không ai khớp với «{s}»").format(s=search)
    if isinstance(scope, CommuneOrgs):
        commune = in_sentence(str(printouts.unit(conn, scope.commune_id)["name"]))
        kind = Presenter(conn).catalogue_name("org_type", scope.org_type)
        if not groups:
            return _("Danh sách có 0 người: {c} chưa có {t} nào").format(c=commune, t=kind)
        return _("Danh sách có 0 người: {n} {t} của {c} chưa có thành viên").format(
            n=len(groups), t=kind, c=commune)
    if scope.kind == "organization":
        return _("Danh sách có 0 người: tổ chức chưa có thành viên")
    return _("Danh sách có 0 người")


def _left_note(presenter: Presenter, person: rosters.Record) -> str:
    """A former member's note: "Thôi tham gia 05/2025: Chuyển nơi cư trú"."""
    if not person.get("left_date"):
        return ""
    note = _("Thôi tham gia {d}").format(
        d=presenter.value(MEMBERSHIP.field("left_date"), person["left_date"]))
    if person.get("exit_reason"):
        note += ": " + presenter.value(MEMBERSHIP.field("exit_reason"), person["exit_reason"])
    return note


_wrap = page.wrap_cell


def roster_table(data: RosterData, width: float) -> LongTable:
    total_weight = sum(c.width for c in data.columns)
    widths = [width * c.width / total_weight for c in data.columns]
    inner = [w - 2 * PAD for w in widths]
    header = [_wrap(printable(c.heading), BOLD, w) for c, w in zip(data.columns, inner,
                                                                   strict=True)]
    rows: list[list[str]] = [header]
    style = page.table_style([c.align for c in data.columns])
    wrap_cols = [(i, c.key, inner[i]) for i, c in enumerate(data.columns) if c.wrap]
    plain_cols = [c.key for c in data.columns]
    for g, (heading, group) in enumerate(data.groups):
        if heading is not None:
            r = len(rows)
            label = ROMAN[g] if g < len(ROMAN) else str(g + 1)
            text = _("{h} ({n} người)").format(h=printable(heading), n=len(group))
            rows.append([label, _wrap(text, BOLD, sum(inner[1:]))] + [""] * (len(widths) - 2))
            style += [("SPAN", (1, r), (-1, r)), ("FONT", (0, r), (-1, r), BOLD, CELL_SIZE,
                                                  CELL_LEADING),
                      ("ALIGN", (0, r), (0, r), "CENTER")]
        for row in group:
            cells = [printable(row[k]) for k in plain_cols]
            for i, key, w in wrap_cols:
                cells[i] = _wrap(printable(row[key]), REGULAR, w)
            rows.append(cells)
    table = LongTable(rows, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle(style))
    return table


def render_roster(conn: dbapi.Connection, scope: rosters.Scope | CommuneOrgs, *,
                  profile: profiles.Profile = profiles.Profile.INTERNAL,
                  search: str | None = None,
                  progress: Progress | None = None, cancelled: CancelCheck | None = None,
                  today: dt.date | None = None, number: str | None = None,
                  note: str | None = None, prepared_by: str | None = None,
                  approver_title: str | None = None, approved_by: str | None = None,
                  data: RosterData | None = None) -> bytes:
    """The roster as a PDF. ``progress(done, total)`` counts rows laid out; ``cancelled()``
    returning True stops the work with :class:`page.Cancelled`. Safe off the UI thread (it only
    reads ``conn``; give the worker its own connection). Without ``number`` the số, ký hiệu is
    printed blank ("Số:      /DS-CAX") to be filled in by hand. ``data`` is the roster already
    read by :func:`roster_data` (to warn about it first)."""
    accounts.require(conn, "print")
    if data is None:
        data = roster_data(conn, scope, profile=profile, search=search, cancelled=cancelled)
    today = today or dt.date.today()
    head = (police_of(conn, data.unit_id, date=today) if data.unit_id else
            page.Letterhead(parent="", issuer=_("Công an"), date=today))
    head = replace(head, number=number or blank_number("DS", head.issuer))
    width = page.frame_width(True)
    story: list[Flowable] = [page.LetterheadFlowable(head, width)]
    story += page.title_block(data.title, data.subtitle, note or data.note)
    story.append(roster_table(data, width))
    st = page.styles()
    story.append(Spacer(1, 4))
    # The count and the signatures go over to a new page together, never a lone signature.
    story.append(KeepTogether([
        page.para(_("Danh sách có {n} người.").format(n=_num(data.total)), st["body_left"]),
        page.signature_blocks(width, (_("Người lập danh sách"), prepared_by),
                              (approver_title or _("Trưởng Công an xã"), approved_by))]))
    done = 0
    total = data.total

    def after(flowable: Flowable) -> None:
        nonlocal done
        if isinstance(flowable, LongTable):
            done = min(total, done + max(0, len(flowable._cellvalues) - 1))
            if progress:
                progress(done, total)
        if cancelled and cancelled():
            raise page.Cancelled()

    if progress:
        progress(0, total)
    pdf = page.build(story, is_landscape=True, title=f"{data.title} {data.subtitle}",
                     after_flowable=after, mark=profiles.mark() if data.classified else None)
    if progress:
        progress(total, total)
    return pdf


def _num(n: int) -> str:
    from desktop.reports.fmt import number

    return number(n)


ROW_HEIGHT_HINT = CELL_LEADING + 6 * mm / mm  # for callers estimating pages
