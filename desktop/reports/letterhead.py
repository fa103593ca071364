"""Who issues a printout, worked out from where its records live: "CÔNG AN XÃ MƯỜNG NHÉ"
under "CÔNG AN TỈNH ĐIỆN BIÊN", the place "Mường Nhé" for the date line (ô 2–4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop.i18n import _
from desktop.reports.page import Letterhead
from desktop.storage import dbapi, printouts

_PREFIXES = ("Thành phố ", "Tỉnh ", "Đặc khu ", "Phường ", "Thị trấn ", "Xã ")


def bare_name(name: str) -> str:
    """"Xã Mường Nhé" → "Mường Nhé": the place name of ô 4."""
    for p in _PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def in_sentence(name: str) -> str:
    """"Xã Mường Nhé" → "xã Mường Nhé", as it reads inside a sentence."""
    for p in _PREFIXES:
        if name.startswith(p):
            return p.lower() + name[len(p):]
    return name


BLANK_NUMBER = "      "  # the number is written by hand, once the document is registered


def issuer_abbreviation(issuer: str) -> str:
    """"Công an xã Mường Nhé" → "CAX", "Công an tỉnh Điện Biên" → "CAT" (the part after the
    document type in the ký hiệu, Nghị định 30/2020 Phụ lục III); "" when unknown."""
    low = f" {issuer.lower()} "
    if " xã " in low or " phường " in low or " đặc khu " in low:
        return "CAX"
    return "CAT" if " tỉnh " in low or " thành phố " in low else ""


def blank_number(doc_type: str, issuer: str) -> str:
    """The số, ký hiệu to fill in by hand: "      /DS-CAX" (DS danh sách, BC báo cáo)."""
    abbr = issuer_abbreviation(issuer)
    return f"{BLANK_NUMBER}/{doc_type}" + (f"-{abbr}" if abbr else "")


@dataclass(frozen=True)
class Place:
    """The commune (when there is one) and the province a unit lies in."""

    commune: dict[str, object] | None
    province: dict[str, object] | None


def place_of(conn: dbapi.Connection, unit_id: str) -> Place:
    chain = printouts.unit_chain(conn, unit_id)
    commune = next((u for u in chain if u["level"] == "commune"), None)
    province = next((u for u in chain if u["level"] == "province"), None)
    return Place(commune, province)


def police_of(conn: dbapi.Connection, unit_id: str, *, number: str | None = None,
              date: dt.date | None = None) -> Letterhead:
    """The police of the commune (under the province police), or of the province (under the
    ministry), that the unit belongs to; the names as a sentence writes them ("Công an xã
    Mường Nhé"), the letterhead prints them in capitals."""
    place = place_of(conn, unit_id)
    if place.commune is not None:
        parent = (_("Công an {u}").format(u=in_sentence(str(place.province["name"])))
                  if place.province else "")
        issuer = _("Công an {u}").format(u=in_sentence(str(place.commune["name"])))
        where = bare_name(str(place.commune["name"]))
    elif place.province is not None:
        parent = _("Bộ Công an")
        issuer = _("Công an {u}").format(u=in_sentence(str(place.province["name"])))
        where = bare_name(str(place.province["name"]))
    else:
        parent, issuer, where = "", _("Công an"), ""
    return Letterhead(parent=parent, issuer=issuer, number=number, place=where, date=date)
