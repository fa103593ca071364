"""The one page template after Nghị định 30/2020 (Phụ lục I; DOMAIN.md §3.1–3.2).

A4, portrait or landscape; margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm (inside the
ranges 20–25 / 20–25 / 30–35 / 15–20 mm); the issuing body (ô 2–3) top left and the national
motto (ô 1) top right, with their drawn rules; the place–date line (ô 4) in italics; page
numbers from page 2, centred in the top margin; Liberation Serif (Times New Roman metrics).
A document holding a record classified Mật carries the «MẬT» mark on every page
(:func:`draw_mark`).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.reports import fmt, fonts
from desktop.reports.fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, printable
from desktop.reports.linebreak import split_phrases

MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm

MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"

SIZE_AGENCY = 12.5  # ô 1, ô 2: 12–13 pt
SIZE_MOTTO_2 = 13.5  # one point larger than line 1: 13–14 pt
SIZE_BODY = 13.0  # ô 6: 13–14 pt
SIZE_PAGE_NUMBER = 13.0  # 13–14 pt
LINE_WIDTH = 0.6
SIGNING_ROOM = 25 * mm  # between "(Ký, ghi rõ họ tên)" and the signer's name
NAME_LINE = "…" * 12  # where an unnamed signer writes the name

# The độ mật mark. Where: ô 10a of the sơ đồ in Nghị định 30/2020 Phụ lục I, under the số,
# ký hiệu (ô 3) in the left column of the header; the same spot at the top of every later page
# (in the top margin, left column) so a loose page still says what it is. What: the «MẬT» seal
# of Thông tư 24/2020/TT-BCA (mẫu dấu chỉ độ mật; it replaced TT 33/2015), a 20 × 8 mm
# rectangle with two borders 1 mm apart and the word in bold capitals, Times New Roman 13,
# 2 mm inside the outer border, in red ink (Điều 3 khoản 2, "mực màu đỏ"; khoản 4: a document
# printed in number has the mark printed in red). The "TUYỆT MẬT" (40 × 8 mm) and "TỐI MẬT"
# (30 × 8 mm) seals are quoted at thuviennhadat.vn and khacdauquoctien.com; MẬT follows them.
MARK_WIDTH = 20 * mm
MARK_HEIGHT = 8 * mm
MARK_SIZE = 13.0
MARK_COLOUR = colors.Color(0.85, 0, 0)


class Cancelled(UserError):  # noqa: N818 - the user's word for it
    """The user stopped a long printout; nothing was written."""

    def __init__(self) -> None:
        super().__init__(_("Đã hủy in."))


def page_size(is_landscape: bool) -> tuple[float, float]:
    return landscape(A4) if is_landscape else A4


def frame_width(is_landscape: bool) -> float:
    return page_size(is_landscape)[0] - MARGIN_LEFT - MARGIN_RIGHT


@dataclass(frozen=True)
class Letterhead:
    """What ô 1–4 say. ``number`` is the part after "Số: " (None leaves the line out,
    "" prints "Số:      /" blanks to fill in by hand); ``date`` None leaves out ô 4."""

    parent: str  # tên cơ quan chủ quản, e.g. "CÔNG AN TỈNH ĐIỆN BIÊN"
    issuer: str  # tên cơ quan ban hành, e.g. "CÔNG AN XÃ MƯỜNG NHÉ"
    number: str | None = None
    place: str = ""
    date: object | None = None  # datetime.date
    mark: str | None = None  # "MẬT" when the document holds a classified record (ô 10a)


def styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=SIZE_BODY, leading=SIZE_BODY * 1.25,
                          alignment=TA_JUSTIFY, firstLineIndent=1 * cm_(), spaceAfter=6)
    return {
        "body": body,
        "body_left": ParagraphStyle("body_left", parent=body, alignment=TA_LEFT,
                                    firstLineIndent=0),
        "item": ParagraphStyle("item", parent=body, firstLineIndent=0, leftIndent=1 * cm_(),
                               spaceAfter=2),
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, alignment=TA_LEFT,
                                  spaceAfter=4),
        "doc_type": ParagraphStyle("doc_type", fontName=BOLD, fontSize=14, leading=17,
                                   alignment=TA_CENTER, spaceBefore=14, spaceAfter=2),
        "subject": ParagraphStyle("subject", fontName=BOLD, fontSize=13.5, leading=17,
                                  alignment=TA_CENTER),
        "note": ParagraphStyle("note", fontName=ITALIC, fontSize=13, leading=16,
                               alignment=TA_CENTER),
        "sign_title": ParagraphStyle("sign_title", fontName=BOLD, fontSize=13.5, leading=17,
                                     alignment=TA_CENTER),
        "sign_note": ParagraphStyle("sign_note", fontName=ITALIC, fontSize=12, leading=15,
                                    alignment=TA_CENTER),
        "sign_name": ParagraphStyle("sign_name", fontName=BOLD, fontSize=13.5, leading=17,
                                    alignment=TA_CENTER),
        "sign_line": ParagraphStyle("sign_line", fontName=REGULAR, fontSize=13, leading=17,
                                    alignment=TA_CENTER),
        "annex_number": ParagraphStyle("annex_number", fontName=BOLD, fontSize=13.5,
                                       leading=17, alignment=TA_CENTER, keepWithNext=1),
        "annex_title": ParagraphStyle("annex_title", fontName=BOLD, fontSize=13, leading=16,
                                      alignment=TA_CENTER, keepWithNext=1),
        "annex_note": ParagraphStyle("annex_note", fontName=ITALIC, fontSize=12.5, leading=15,
                                     alignment=TA_CENTER, spaceAfter=8, keepWithNext=1),
        "recipients_title": ParagraphStyle("recipients_title", fontName=BOLD_ITALIC,
                                           fontSize=12, leading=14),
        "recipients": ParagraphStyle("recipients", fontName=REGULAR, fontSize=11, leading=13),
        "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=12, leading=14),
        "cell_head": ParagraphStyle("cell_head", fontName=BOLD, fontSize=11.5, leading=13.5,
                                    alignment=TA_CENTER),
        "cell_bold": ParagraphStyle("cell_bold", fontName=BOLD, fontSize=12, leading=14),
    }


def cm_() -> float:
    return 10 * mm


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain text (escaped, NFC, no missing glyphs); newlines become breaks."""
    return Paragraph(markup(text), style)


def markup(text: object) -> str:
    return escape(printable(text)).replace("\n", "<br/>")


# ---------------------------------------------------------------------------------------------
# ô 1–4


class LetterheadFlowable(Flowable):
    """The two header blocks, drawn directly so each rule sits exactly under its text."""

    LEADING = 16.0

    def __init__(self, head: Letterhead, width: float) -> None:
        super().__init__()
        self.head = head
        self.width = width
        # Left block about 40 % of the width, right block the rest (as on the sơ đồ).
        self.left_w = width * 0.4
        self.right_w = width - self.left_w
        room = self.left_w - 14  # keep the two blocks apart
        self.parent_lines = _split(head.parent.upper(), REGULAR, SIZE_AGENCY, room)
        self.issuer_lines = _split(head.issuer.upper(), BOLD, SIZE_AGENCY, room)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        lines_left = len(self.parent_lines) + len(self.issuer_lines)
        self.top_rows = max(lines_left, 2)
        rows = self.top_rows + (1 if self.head.number is not None or self.head.date
                                or self.head.mark else 0)
        self.height = rows * self.LEADING + 14 + (MARK_HEIGHT + 6 if self.head.mark else 0)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        lead = self.LEADING
        y = self.height - SIZE_AGENCY
        cx = self.left_w / 2
        for line in self.parent_lines:
            c.setFont(REGULAR, SIZE_AGENCY)
            c.drawCentredString(cx, y, line)
            y -= lead
        widest = 0.0
        for line in self.issuer_lines:
            c.setFont(BOLD, SIZE_AGENCY)
            c.drawCentredString(cx, y, line)
            widest = max(widest, stringWidth(line, BOLD, SIZE_AGENCY))
            y -= lead
        left_rule_y = y + lead - 5.5
        _hline(c, cx, left_rule_y, widest * 0.4)
        # Right block: motto lines one line apart, then the drawn line the text's full width.
        rx = self.left_w + self.right_w / 2
        y = self.height - SIZE_AGENCY
        c.setFont(BOLD, SIZE_AGENCY)
        c.drawCentredString(rx, y, MOTTO_1)
        y -= lead
        c.setFont(BOLD, SIZE_MOTTO_2)
        c.drawCentredString(rx, y, MOTTO_2)
        _hline(c, rx, y - 5.5, stringWidth(MOTTO_2, BOLD, SIZE_MOTTO_2))
        # ô 3 and ô 4 on one baseline, under the taller block.
        y = self.height - SIZE_AGENCY - self.top_rows * lead - 8
        if self.head.number is not None:
            c.setFont(REGULAR, 13)
            number = printable(self.head.number) or "      /"
            c.drawCentredString(cx, y, _("Số: {n}").format(n=number))
        if self.head.date:
            c.setFont(ITALIC, 13.5)
            c.drawCentredString(rx, y, printable(fmt.place_date(self.head.place,
                                                                self.head.date)))  # type: ignore[arg-type]
        if self.head.mark:  # ô 10a: under the số, ký hiệu
            draw_mark(c, cx, y - 6 - MARK_HEIGHT / 2, self.head.mark)


def draw_mark(c: Canvas, cx: float, cy: float, text: str) -> None:
    """The độ mật seal centred on (cx, cy): two red borders 1 mm apart, the word in bold."""
    c.saveState()
    c.setStrokeColor(MARK_COLOUR)
    c.setFillColor(MARK_COLOUR)
    c.setLineWidth(0.8)
    word = printable(text)
    width = max(MARK_WIDTH, stringWidth(word, BOLD, MARK_SIZE) + 2 * 2 * mm + 2 * mm)
    c.rect(cx - width / 2, cy - MARK_HEIGHT / 2, width, MARK_HEIGHT)
    inner = 1 * mm
    c.rect(cx - width / 2 + inner, cy - MARK_HEIGHT / 2 + inner, width - 2 * inner,
           MARK_HEIGHT - 2 * inner)
    c.setFont(BOLD, MARK_SIZE)
    c.drawCentredString(cx, cy - MARK_SIZE * 0.35, word)
    c.restoreState()


def mark_centre_x(page_width: float) -> float:
    """The middle of the header's left column (ô 2–3, ô 10a) on a page of this width."""
    return MARGIN_LEFT + (page_width - MARGIN_LEFT - MARGIN_RIGHT) * 0.4 / 2


def _split(text: str, font: str, size: float, width: float) -> list[str]:
    """An agency name in lines broken between its phrases ("AN NINH, TRẬT TỰ" stays whole)."""
    return split_phrases(printable(text), lambda line: stringWidth(line, font, size) <= width)


def _hline(c: Canvas, cx: float, y: float, length: float) -> None:
    c.saveState()
    c.setLineWidth(LINE_WIDTH)
    c.line(cx - length / 2, y, cx + length / 2, y)
    c.restoreState()


class ShortRule(Flowable):
    """The short solid line under a trích yếu or subtitle, centred."""

    def __init__(self, length: float = 40 * mm, space_before: float = 5,
                 space_after: float = 8) -> None:
        super().__init__()
        self.length = length
        self.space_before = space_before
        self.space_after = space_after

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.avail = aw
        return aw, self.space_before + self.space_after

    def draw(self) -> None:
        _hline(self.canv, self.avail / 2, self.space_after, self.length)


def title_block(doc_type: str, subject: str | None = None,
                note: str | None = None) -> list[Flowable]:
    """Ô 5a: "BIÊN BẢN" / "DANH SÁCH" in bold capitals, the trích yếu in bold, a short rule."""
    st = styles()
    out: list[Flowable] = [para(doc_type.upper(), st["doc_type"])]
    if subject:
        out.append(para(subject, st["subject"]))
    if note:
        out.append(para(note, st["note"]))
    out.append(ShortRule())
    return out


def signature_blocks(width: float, left: tuple[str, str | None] | None,
                     right: tuple[str, str | None] | None, *,
                     left_note: str | None = None, right_note: str | None = None,
                     left_extra: Sequence[Flowable] = ()) -> Table:
    """Two blocks (ô 7a–7c): the title in bold capitals, a note, space to sign, the name."""
    st = styles()

    def block(entry: tuple[str, str | None] | None, note: str | None) -> list[Flowable]:
        if entry is None:
            return []
        title, name = entry
        cells: list[Flowable] = [para(title.upper(), st["sign_title"])]
        cells.append(para(note if note is not None else _("(Ký, ghi rõ họ tên)"),
                          st["sign_note"]))
        # Room to sign (and to stamp, where there is a seal), then the name, or a dotted
        # line to write it on by hand.
        cells.append(Spacer(1, SIGNING_ROOM))
        cells.append(para(name, st["sign_name"]) if name else para(NAME_LINE, st["sign_line"]))
        return cells

    left_cells = block(left, left_note) + list(left_extra)
    table = Table([[left_cells, block(right, right_note)]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               # a table sets its cells' font even when they hold flowables:
                               # ours, not the unembedded Helvetica of reportlab's default
                               ("FONT", (0, 0), (-1, -1), REGULAR, SIZE_BODY),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    table.keepWithNext = False
    return table


# ---------------------------------------------------------------------------------------------
# Page numbers and building


def numbered_canvas(label: str = "{page}", mark: str | None = None,
                    mark_from: int = 2) -> type[Canvas]:
    """A canvas that learns the page count in one pass and numbers pages from page 2.

    Pages are kept until ``save`` (the "NumberedCanvas" recipe), so ``label`` may use
    ``{total}`` ("{page}/{total}") without building the document twice. Nghị định 30 asks for
    the bare number, centred in the top margin, size 13–14, none on page 1. With ``mark``
    the pages from ``mark_from`` on carry the độ mật seal at the top of the left column (a
    first page with a letterhead has it there, under the số, ký hiệu).
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: object, **kwargs: object) -> None:
            # A canvas starts in Helvetica, which reportlab names in the file without
            # embedding it; ours starts in the shipped face (pdffonts: "emb yes" for all).
            kwargs.setdefault("initialFontName", REGULAR)
            kwargs.setdefault("initialFontSize", SIZE_BODY)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._saved_pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                width, height = self._pagesize
                if number > 1:
                    self.setFont(REGULAR, SIZE_PAGE_NUMBER)
                    self.drawCentredString(width / 2, height - MARGIN_TOP / 2 - 4,
                                           label.format(page=number, total=total))
                if mark and number >= mark_from:
                    draw_mark(self, mark_centre_x(width), height - MARGIN_TOP / 2, mark)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


class _Doc(BaseDocTemplate):
    def __init__(self, buf: io.BytesIO, *, is_landscape: bool, title: str,
                 after_flowable: Callable[[Flowable], None] | None,
                 with_landscape: bool = False) -> None:
        super().__init__(buf, pagesize=page_size(is_landscape), leftMargin=MARGIN_LEFT,
                         rightMargin=MARGIN_RIGHT, topMargin=MARGIN_TOP,
                         bottomMargin=MARGIN_BOTTOM, title=printable(title),
                         author="ANTQ Desk", creator="ANTQ Desk", subject=printable(title),
                         # Not reportlab's Helvetica, which it would name on every page without
                         # embedding it (pdffonts: "emb no"): every font in the file is ours.
                         initialFontName=REGULAR, initialFontSize=SIZE_BODY,
                         initialLeading=SIZE_BODY * 1.2)
        templates = [_template("page", is_landscape)]
        if with_landscape:  # tables as landscape pages after a portrait text
            templates.append(_template("landscape", True))
        self.addPageTemplates(templates)
        self._after = after_flowable

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's name
        if self._after is not None:
            self._after(flowable)


def _template(name: str, is_landscape: bool) -> PageTemplate:
    size = page_size(is_landscape)
    frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, size[0] - MARGIN_LEFT - MARGIN_RIGHT,
                  size[1] - MARGIN_TOP - MARGIN_BOTTOM, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id=f"{name}-body")
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def build(story: list[Flowable], *, is_landscape: bool = False, title: str = "",
          after_flowable: Callable[[Flowable], None] | None = None,
          page_label: str = "{page}", with_landscape: bool = False,
          mark: str | None = None) -> bytes:
    """Lay out ``story`` on the template and return the PDF. With ``with_landscape`` a
    ``NextPageTemplate("landscape")`` in the story turns the following pages. ``mark`` (the
    độ mật, "MẬT") goes on every page: in the letterhead the story starts with, under the
    số, ký hiệu, and at the top of the left column of every other page."""
    fonts.register()
    mark_from = 1
    if mark and story and isinstance(story[0], LetterheadFlowable):
        story[0].head = replace(story[0].head, mark=mark)
        mark_from = 2
    buf = io.BytesIO()
    doc = _Doc(buf, is_landscape=is_landscape, title=title, after_flowable=after_flowable,
               with_landscape=with_landscape)
    with _ONE_AT_A_TIME:
        doc.build(story, canvasmaker=numbered_canvas(page_label, mark, mark_from))
    return buf.getvalue()


# reportlab keeps a registered font's subsets in the font object every document shares: two
# documents laid out at once (two reports asked for in a row, each made off the UI thread)
# corrupted them (IndexError in makeSubset; found by the monkey test). One at a time.
_ONE_AT_A_TIME = threading.Lock()


GRID = colors.black
HEADER_FILL = colors.Color(0.92, 0.92, 0.92)
# The cells of a printed list's table (roster, tips): plain strings, 12 pt on 14.
CELL_SIZE = 12.0
CELL_LEADING = 14.0
CELL_PAD = 3.0


def table_style(aligns: Sequence[str] = ()) -> list[tuple]:
    """The style of a printed list's table (the roster, the tips): a grid, a bold shaded
    header row centred, cells middle-aligned; ``aligns``: each column's alignment under the
    header (LEFT unless said). Callers add their own commands (group rows, spans)."""
    style: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, CELL_SIZE, CELL_LEADING),
        ("FONT", (0, 0), (-1, 0), BOLD, CELL_SIZE, CELL_LEADING),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    return style + [("ALIGN", (i, 1), (i, -1), a) for i, a in enumerate(aligns) if a != "LEFT"]


def wrap_cell(text: str, font: str, width: float) -> str:
    """A plain-string cell (3× faster than a Paragraph) broken into lines that fit."""
    if stringWidth(text, font, CELL_SIZE) <= width:
        return text
    return "\n".join(simpleSplit(text, font, CELL_SIZE, width))


def para_markup(xml: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of markup whose text parts were passed through :func:`markup`."""
    return Paragraph(xml, style)
