"""Print and export profiles (nội bộ, niêm yết công khai) applied alike to PDF, xlsx and csv;
the độ mật mark «MẬT» on every page of a document holding a Mật record (issue 11)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import pdf_text, text_positions
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from desktop.cli import main
from desktop.domain.errors import UserError
from desktop.domain.kinds import MEETING
from desktop.reports import fonts, page, profiles
from desktop.reports.export import export_kind, export_roster
from desktop.reports.minutes import render_minutes
from desktop.reports.profiles import Profile
from desktop.reports.roster import render_roster
from desktop.storage import records
from desktop.storage.present import Presenter
from desktop.storage.rosters import Scope

DAY = dt.date(2026, 1, 5)
CCCD = "011085001234"  # Điện Biên, a man born in 1985
PERSON = {"full_name": "Lò Văn Minh", "birth_date": "05/03/1985", "gender": "male",
          "ethnicity": "mong", "religion": "Công giáo", "citizen_id": CCCD,
          "phone": "0912345678"}
WITHHELD_TEXT = (CCCD, "Mông", "Công giáo", "0912345678", "05/03")


@pytest.fixture
def minh(commune) -> str:
    """A member with every field the public copy withholds or cuts down."""
    pid = commune.store.add("person", {**PERSON, "residence_unit_id": commune.village}).id
    commune.store.add("membership", {"person_id": pid, "organization_id": commune.org,
                                     "role": "to_vien"})
    return pid


def _xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    cells = [str(v) for row in wb.worksheets[0].iter_rows(values_only=True) for v in row
             if v is not None]
    wb.close()
    return "\n".join(cells)


def _csv_text(path: Path) -> str:
    return "\n".join(",".join(r) for r in csv.reader(io.StringIO(path.read_text("utf-8-sig"))))


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_text(pdf))


def _outputs(conn, org: str, tmp_path: Path, profile: Profile) -> dict[str, str]:
    """The text of every output that lists people, made with ``profile``."""
    out = {"roster.pdf": _pdf_text(render_roster(conn, Scope("organization", org),
                                                 profile=profile, today=DAY))}
    for fmt in ("xlsx", "csv"):
        roster, people = tmp_path / f"roster.{fmt}", tmp_path / f"people.{fmt}"
        export_roster(conn, Scope("organization", org), roster, profile=profile)
        export_kind(conn, "person", people, profile=profile)
        read = _xlsx_text if fmt == "xlsx" else _csv_text
        out[f"roster.{fmt}"], out[f"people.{fmt}"] = read(roster), read(people)
    return out


def _assert_public(name: str, text: str) -> None:
    for withheld in WITHHELD_TEXT:
        assert withheld not in text, (name, withheld)
    assert not re.search(r"\d{4}1234\b", text), name  # nor the CCCD's tail
    assert "Lò Văn Minh" in text and "09******78" in text and "1985" in text, name


def test_public_profile_is_the_same_in_pdf_xlsx_and_csv(commune, minh, tmp_path):
    conn = commune.store.conn
    internal = _outputs(conn, commune.org, tmp_path, Profile.INTERNAL)
    for name, text in internal.items():  # the internal copy has everything
        for value in (CCCD, "Mông", "Công giáo", "0912345678", "05/03/1985"):
            assert value in text, (name, value)
    public = _outputs(conn, commune.org, tmp_path, Profile.PUBLIC)
    assert set(public) == {"roster.pdf", "roster.xlsx", "roster.csv", "people.xlsx",
                           "people.csv"}
    for name, text in public.items():
        _assert_public(name, text)
        for heading in ("Số định danh", "Dân tộc", "Tôn giáo", "Số CMND"):
            assert heading not in text, (name, heading)


@pytest.mark.parametrize("flag", [["--profile", "cong-khai"], ["--profile", "công-khai"],
                                  ["--public"]])
def test_command_line_public_profile_for_print_and_exports(commune, minh, db_path, tmp_path,
                                                            capsys, flag):
    commune.store.conn.commit()
    made = {}
    for args, name in ((["print", "roster", "--org", commune.org], "ds.pdf"),
                       (["export", "roster", "--org", commune.org], "ds.xlsx"),
                       (["export", "roster", "--org", commune.org], "ds.csv"),
                       (["export", "person"], "people.xlsx"),
                       (["export", "person"], "people.csv")):
        target = tmp_path / name
        code = main([*args, *flag, "--out", str(target), "--db", str(db_path)])
        assert code == 0, capsys.readouterr().err
        made[name] = target
    _assert_public("cli ds.pdf", _pdf_text(made["ds.pdf"].read_bytes()))
    for name in ("ds.xlsx", "people.xlsx"):
        _assert_public("cli " + name, _xlsx_text(made[name]))
    for name in ("ds.csv", "people.csv"):
        _assert_public("cli " + name, _csv_text(made[name]))


def test_command_line_internal_profile_spelled_with_or_without_accents(commune, minh, db_path,
                                                                         tmp_path, capsys):
    commune.store.conn.commit()
    for spelling in ("noi-bo", "nội-bộ", "Nội bộ"):
        target = tmp_path / "people.csv"
        assert main(["export", "person", "--profile", spelling, "--out", str(target),
                     "--db", str(db_path)]) == 0
        assert CCCD in target.read_text("utf-8-sig")
    code = main(["export", "person", "--profile", "mat-het", "--out", str(target),
                 "--db", str(db_path)])
    assert code == 2 and "noi-bo" in capsys.readouterr().err


def test_profile_names_and_masks():
    assert profiles.parse("nội-bộ") is profiles.parse("noi-bo") is Profile.INTERNAL
    assert profiles.parse("công-khai") is profiles.parse("Niêm yết công khai") is Profile.PUBLIC
    with pytest.raises(UserError):
        profiles.parse("tuyệt mật")
    assert profiles.mask_phone("0912345678") == "09******78"
    assert profiles.mask_phone("+84912345678") == "+8********78"
    assert [profiles.birth_year(v) for v in ("05/03/1985", "03/1985", "1985", "")] == [
        "1985", "1985", "1985", ""]
    # Every sensitive field of every kind is withheld, the religion added here among them.
    assert {"citizen_id", "old_id_number", "ethnicity", "religion"} <= profiles.WITHHELD


# ---------------------------------------------------------------------------------------------
# Classification


def _big_org(commune, n: int = 80) -> tuple[str, list[str]]:
    store = commune.store
    org = store.add("organization", {"name": "Đội dân phòng bản Nậm Pố",
                                     "org_type": "doi_dan_phong", "unit_id": commune.village2,
                                     "founded_date": "2025"}).id
    ids = store.add_many("person", [{"full_name": f"Lường Văn Thắng {i:03d}",
                                     "birth_date": "1990", "residence_unit_id": commune.village2}
                                    for i in range(n)])
    store.add_many("membership", [{"person_id": p, "organization_id": org,
                                   "role": "doi_vien"} for p in ids])
    return org, ids


def _marked_pages(pdf: bytes) -> list[bool]:
    return ["MẬT" in t for t in pdf_text(pdf)]


def test_a_roster_with_one_classified_member_is_marked_on_every_page(commune):
    org, ids = _big_org(commune)
    conn = commune.store.conn
    plain = render_roster(conn, Scope("organization", org), today=DAY, number="")
    assert len(_marked_pages(plain)) >= 3 and not any(_marked_pages(plain))
    commune.store.edit("person", ids[40], {"classification": "Mật"})
    pdf = render_roster(conn, Scope("organization", org), today=DAY, number="")
    assert len(_marked_pages(pdf)) >= 3 and all(_marked_pages(pdf))
    # Page 1: ô 10a, under "Số:" in the header's left column (Nghị định 30, Phụ lục I).
    runs = text_positions(pdf, 0)
    [(_t, sx, sy)] = [r for r in runs if r[0].startswith("Số:")]
    [(_t, mx, my)] = [r for r in runs if r[0] == "MẬT"]
    assert my < sy and sy - my < 12 * mm
    width = stringWidth("MẬT", fonts.BOLD, page.MARK_SIZE)
    assert abs(mx + width / 2 - page.mark_centre_x(842)) < 2
    assert sx < page.mark_centre_x(842) < 842 / 2  # the left column, as ô 3
    # Later pages: at the top of the left column, in the top margin beside the page number.
    for n in range(1, len(_marked_pages(pdf))):
        top = {t: (x, y) for t, x, y in text_positions(pdf, n) if y > 595 - 20 * mm}
        assert set(top) == {"MẬT", str(n + 1)}
        assert abs(top["MẬT"][0] + width / 2 - page.mark_centre_x(842)) < 2


def test_a_classified_organization_marks_its_roster(commune):
    conn = commune.store.conn
    commune.store.edit("organization", commune.org, {"classification": "mat"})
    assert all(_marked_pages(render_roster(conn, Scope("organization", commune.org),
                                           today=DAY)))


def test_minutes_of_a_classified_meeting_set_from_the_command_line(commune, db_path, tmp_path,
                                                                   capsys):
    conn = commune.store.conn
    assert not any(_marked_pages(render_minutes(conn, commune.meeting)))
    conn.commit()
    assert main(["edit", "meeting", commune.meeting, "classification=Mật",
                 "--db", str(db_path)]) == 0, capsys.readouterr().err
    assert records.get(conn, MEETING, commune.meeting)["classification"] == "mat"
    out = tmp_path / "bb.pdf"
    assert main(["print", "minutes", commune.meeting, "--out", str(out),
                 "--db", str(db_path)]) == 0
    assert all(_marked_pages(out.read_bytes()))
    assert main(["edit", "meeting", commune.meeting, "classification=thuong",
                 "--db", str(db_path)]) == 0
    assert main(["print", "minutes", commune.meeting, "--out", str(out),
                 "--db", str(db_path)]) == 0
    assert not any(_marked_pages(out.read_bytes()))


def test_a_classified_attendee_marks_the_minutes(commune):
    commune.store.edit("person", commune.people["Vàng A Dơ"], {"classification": "Mật"})
    assert all(_marked_pages(render_minutes(commune.store.conn, commune.meeting)))


def test_spreadsheets_carry_the_mark_in_a_header_line(commune, minh, tmp_path):
    conn = commune.store.conn
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"ds.{fmt}"
        export_roster(conn, Scope("organization", commune.org), out)
        first = _first_row(out)
        assert first[:2] == ["STT", "Họ và tên"]  # no mark without a Mật record
    commune.store.edit("person", minh, {"classification": "Mật"})
    for fmt in ("xlsx", "csv"):
        for what, export in (("roster", lambda p: export_roster(
                conn, Scope("organization", commune.org), p)),
                             ("person", lambda p: export_kind(conn, "person", p))):
            out = tmp_path / f"{what}.{fmt}"
            export(out)
            assert _first_row(out) == ["MẬT"], (what, fmt)
    # Other kinds' exports and a person list with no Mật record have none.
    out = tmp_path / "units.csv"
    export_kind(conn, "organization", out)
    assert _first_row(out)[0] == "id"


def _first_row(path: Path) -> list[object]:
    if path.suffix == ".csv":
        return next(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    wb = openpyxl.load_workbook(path)
    row = [v for v in next(wb.worksheets[0].iter_rows(values_only=True)) if v is not None]
    wb.close()
    return row


def test_no_public_copy_of_a_document_with_a_classified_record(commune, minh, db_path,
                                                                tmp_path, capsys):
    conn = commune.store.conn
    commune.store.edit("person", minh, {"classification": "Mật"})
    with pytest.raises(UserError, match="Mật"):
        render_roster(conn, Scope("organization", commune.org), profile=Profile.PUBLIC)
    with pytest.raises(UserError, match="Mật"):
        export_kind(conn, "person", tmp_path / "p.xlsx", profile=Profile.PUBLIC)
    conn.commit()
    out = tmp_path / "ds.pdf"
    assert main(["print", "roster", "--org", commune.org, "--profile", "cong-khai",
                 "--out", str(out), "--db", str(db_path)]) == 2
    assert not out.exists() and "Mật" in capsys.readouterr().err


def test_classification_defaults_to_thuong(commune, minh):
    from desktop.domain.kinds import PERSON as PERSON_KIND

    rec = records.get(commune.store.conn, PERSON_KIND, minh)
    assert rec["classification"] is None  # never set: Thường
    shown = Presenter(commune.store.conn).record(PERSON_KIND, rec)
    assert shown["classification"] == "Thường"


def test_the_seal_has_two_borders(commune, minh):
    def rectangles(pdf: bytes) -> int:
        return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().count(b" re S")

    conn = commune.store.conn
    plain = render_roster(conn, Scope("organization", commune.org), today=DAY)
    commune.store.edit("person", minh, {"classification": "Mật"})
    marked = render_roster(conn, Scope("organization", commune.org), today=DAY)
    assert rectangles(marked) - rectangles(plain) == 2


def test_an_internal_export_reimported_keeps_the_religion(commune, minh, tmp_path):
    from desktop.domain.kinds import PERSON as PERSON_KIND
    from desktop.reports.roster_import import import_roster, preview_roster
    from desktop.storage.writer import Store

    conn = commune.store.conn
    out = tmp_path / "ds.xlsx"
    export_roster(conn, Scope("organization", commune.org), out)
    commune.store.delete("person", minh)  # so the row makes a new person
    other = commune.store.add("organization", {"name": "Tổ tự quản bản Nậm Pố",
                                               "org_type": "to_tu_quan",
                                               "unit_id": commune.village2}).id
    preview = preview_roster(conn, out, other, today=DAY)
    assert "religion" in preview.mapping.values()
    import_roster(Store(conn, today=DAY), preview)
    found = records.page(conn, PERSON_KIND, records.Query(search="Lò Văn Minh"), limit=-1)
    assert [r["religion"] for r in found if not r["deleted"]] == ["Công giáo"]


@pytest.mark.parametrize("what", ["roster", "minutes", "report"])
def test_every_font_of_every_document_is_embedded(commune, minh, what):
    """pdffonts would say "emb yes" for each: none of reportlab's unembedded Helvetica."""
    from desktop.reports import periods
    from desktop.reports.movement import render_report
    from desktop.storage.printouts import find_unit

    conn = commune.store.conn
    commune.store.edit("person", minh, {"classification": "Mật"})
    if what == "roster":
        pdf = render_roster(conn, Scope("organization", commune.org), today=DAY)
    elif what == "minutes":
        pdf = render_minutes(conn, commune.meeting)
    else:
        pdf = render_report(conn, str(find_unit(conn, "03160")["id"]), periods.parse("2026"))
    names = []
    for p in PdfReader(io.BytesIO(pdf)).pages:
        for font in p["/Resources"]["/Font"].values():
            font = font.get_object()
            described = (font["/DescendantFonts"][0].get_object()
                         if "/DescendantFonts" in font else font)
            names.append(str(font["/BaseFont"]))
            assert "/FontDescriptor" in described, font["/BaseFont"]
            assert "/FontFile2" in described["/FontDescriptor"], font["/BaseFont"]
    assert names and all("LiberationSerif" in n for n in names)


def test_a_list_naming_a_classified_person_is_marked(commune, minh, tmp_path):
    """A membership or attendance list shows the person by name: marked like the roster."""
    conn = commune.store.conn
    out = tmp_path / "m.csv"
    export_kind(conn, "membership", out)
    assert _first_row(out)[0] == "id"
    commune.store.edit("person", minh, {"classification": "Mật"})
    for kind in ("membership", "person"):
        export_kind(conn, kind, out)
        assert _first_row(out) == ["MẬT"], kind
    export_kind(conn, "attendance", out)  # Minh attended no meeting
    assert _first_row(out)[0] == "id"
