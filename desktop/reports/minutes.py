"""Meeting minutes after Mẫu 1.9 of Nghị định 30/2020 (DOMAIN.md §3.3), from a meeting record
and its attendance; marked «MẬT» on every page when the meeting, its organization or a person
it names is classified Mật."""

from __future__ import annotations

import datetime as dt

from reportlab.platypus import Flowable, KeepTogether, Spacer

from desktop.domain import dates
from desktop.i18n import _
from desktop.reports import fmt, page, profiles
from desktop.reports.letterhead import bare_name, in_sentence, place_of
from desktop.storage import accounts, dbapi, printouts
from desktop.storage.derived import format_meeting_number
from desktop.storage.present import Presenter

DOTS = "…………"


def _moment(value: object) -> dt.datetime | None:
    return dates.parse_datetime(str(value)) if value else None


def minutes_data(conn: dbapi.Connection, meeting_id: str) -> dict[str, object]:
    """Everything the minutes print, as plain values."""
    m = printouts.meeting(conn, meeting_id)
    org = printouts.organization(conn, str(m["organization_id"]))
    place = place_of(conn, str(org["unit_id"]))
    people = printouts.attendance(conn, meeting_id)
    presenter = Presenter(conn)
    named = [str(p["person_id"]) for p in people] + [
        str(m[k]) for k in ("chair_id", "secretary_id") if m[k]]
    classified = (profiles.CLASSIFIED in (m["classification"], org["classification"])
                  or profiles.any_classified(conn, "person", named))
    return {
        "id": m["id"],
        "number": format_meeting_number(m["number"], m["issuer"]),  # type: ignore[arg-type]
        "title": m["title"],
        "kind": presenter.catalogue_name("meeting_kind", str(m["kind"])) if m["kind"] else "",
        "organization": org["name"],
        "commune": place.commune["name"] if place.commune else "",
        "started_at": _moment(m["started_at"]),
        "ended_at": _moment(m["ended_at"]),
        "place": m["place"] or "",
        "present": [p for p in people if p["present"]],
        "absent": [p for p in people if not p["present"]],
        "chair": printouts.person_name(conn, m["chair_id"]),  # type: ignore[arg-type]
        "secretary": printouts.person_name(conn, m["secretary_id"]),  # type: ignore[arg-type]
        "agenda": m["agenda"] or "",
        "content": m["content"] or "",
        "conclusions": m["conclusions"] or "",
        "votes": (m["votes_for"], m["votes_against"], m["votes_abstain"]),
        "classified": classified,
    }


def _who(p: dict[str, object]) -> str:
    return f"{p['full_name']} ({str(p['role']).lower()})" if p.get("role") else str(
        p["full_name"])


def render_minutes(conn: dbapi.Connection, meeting_id: str, *,
                   with_date_line: bool = False, recipients: list[str] | None = None) -> bytes:
    """The minutes as a PDF (portrait A4). Mẫu 1.9 has no place–date line (the times say when),
    ``with_date_line`` adds one dated the day of the meeting."""
    accounts.require(conn, "print")
    d = minutes_data(conn, meeting_id)
    st = page.styles()
    started: dt.datetime | None = d["started_at"]  # type: ignore[assignment]
    ended: dt.datetime | None = d["ended_at"]  # type: ignore[assignment]
    commune = str(d["commune"])
    head = page.Letterhead(
        parent=_("Công an {c}").format(c=commune) if commune else "",
        issuer=str(d["organization"]), number=str(d["number"]),
        place=bare_name(commune), date=started.date() if with_date_line and started else None)
    width = page.frame_width(False)
    story: list[Flowable] = [page.LetterheadFlowable(head, width)]
    story += page.title_block(_("Biên bản"), str(d["title"]))

    def line(label: str, value: str) -> None:
        story.append(page.para_markup(f"<b>{page.markup(label)}</b> {page.markup(value)}",
                                      st["body"]))

    line(_("Thời gian bắt đầu:"), fmt.moment(started))
    line(_("Địa điểm:"), str(d["place"]) or DOTS)
    present: list = d["present"]  # type: ignore[assignment]
    absent: list = d["absent"]  # type: ignore[assignment]
    total = len(present) + len(absent)
    line(_("Thành phần tham dự:"), _("{p}/{t} thành viên {o}").format(
        p=len(present), t=total, o=in_sentence(str(d["organization"]))) if total else DOTS)
    if present:
        story.append(page.para(_("- Có mặt ({n}): {names}.").format(
            n=len(present), names="; ".join(_who(p) for p in present)), st["item"]))
    story.append(page.para(
        _("- Vắng mặt ({n}): {names}.").format(n=len(absent), names="; ".join(
            _who(p) + (_(", lý do: {r}").format(r=p["absence_reason"]) if p["absence_reason"]
                       else _(", không rõ lý do")) for p in absent))
        if absent else _("- Vắng mặt: không."), st["item"]))
    line(_("Chủ trì (chủ tọa):"), str(d["chair"]) or DOTS)
    line(_("Thư ký (người ghi biên bản):"), str(d["secretary"]) or DOTS)
    if d["agenda"]:
        story.append(page.para(_("Chương trình cuộc họp:"), st["heading"]))
        _paragraphs(story, str(d["agenda"]), st)
    story.append(page.para(_("Nội dung (theo diễn biến cuộc họp):"), st["heading"]))
    _paragraphs(story, str(d["content"]) or DOTS, st)
    story.append(page.para(_("Kết luận của chủ trì:"), st["heading"]))
    _paragraphs(story, str(d["conclusions"]) or DOTS, st)
    votes_for, against, abstain = d["votes"]  # type: ignore[misc]
    if any(v is not None for v in (votes_for, against, abstain)):
        story.append(page.para(_("Biểu quyết:"), st["heading"]))
        voters = sum(v or 0 for v in (votes_for, against, abstain)) or len(present)
        story.append(page.para(_(
            "Tán thành {a}/{n} ({pa}); không tán thành {b}/{n}; không biểu quyết {c}/{n}.")
            .format(a=votes_for or 0, b=against or 0, c=abstain or 0, n=voters,
                    pa=fmt.percent(votes_for or 0, voters)), st["body"]))
    ending = (_("Cuộc họp kết thúc vào {t}./.").format(t=fmt.moment(ended)) if ended else
              _("Cuộc họp kết thúc vào … giờ …, ngày … tháng … năm …./."))
    story.append(page.para(ending, st["body"]))
    story.append(Spacer(1, 6))
    story.append(page.signature_blocks(width, (_("Thư ký"), str(d["secretary"])),
                                       (_("Chủ tọa"), str(d["chair"])),
                                       right_note=_("(Ký, ghi rõ họ tên)")))
    items = recipients if recipients is not None else (
        [_("Công an {c};").format(c=in_sentence(commune))] if commune else []) + [
        _("Lưu: VT, hồ sơ.")]
    story.append(Spacer(1, 10))
    # "Nơi nhận:" never stands alone at the foot of a page, away from its items.
    story.append(KeepTogether([page.para(_("Nơi nhận:"), st["recipients_title"])] + [
        page.para(f"- {item}", st["recipients"]) for item in items]))
    return page.build(story, is_landscape=False, title=f"{_('Biên bản')} {d['number']}",
                      mark=profiles.mark() if d["classified"] else None)


def _paragraphs(story: list[Flowable], text: str, st: dict) -> None:
    for chunk in text.split("\n"):
        if chunk.strip():
            story.append(page.para(chunk.strip(), st["body"]))
