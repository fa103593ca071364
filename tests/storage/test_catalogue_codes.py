"""A catalogue item's code is made from its name (issue 14: the Danh mục editor no longer
asks the officer for one), and a crime figures period reads in words wherever it is shown."""

from __future__ import annotations

import pytest

from desktop.domain.results import stat_period_label
from desktop.storage import catalogues
from desktop.storage.present import Presenter


def test_the_code_is_the_folded_name_and_unique_in_its_catalogue(conn):
    conn.execute("INSERT INTO catalogue_item (id, _part, _deleted, catalogue, code, name) "
                 "VALUES ('x1', 'ref', 1, 'model_type', 'to_tu_quan', 'Tổ tự quản')")
    assert catalogues.new_code(conn, "model_type", "Đội  Xung kích, Bản Hiệu!") == \
        "doi_xung_kich_ban_hieu"
    # a deleted item keeps its code: a record may still name it
    assert catalogues.new_code(conn, "model_type", "Tổ Tự Quản") == "to_tu_quan_2"
    assert catalogues.new_code(conn, "commendation_level", "Tổ tự quản") == "to_tu_quan"
    assert catalogues.new_code(conn, "model_type", "🙂 %_*?") == "muc"
    long = catalogues.new_code(conn, "model_type", "Mô hình " * 20)
    assert len(long) <= catalogues.CODE_LENGTH and not long.endswith("_")


@pytest.mark.parametrize(("stored", "shown"), [
    ("2026-10", "tháng 10/2026"), ("2026-1", "tháng 1/2026"), ("2026-Q4", "quý IV/2026"),
    ("2026", "năm 2026"), ("2026-H1", "6 tháng đầu năm 2026"),
    ("2026-H2", "6 tháng cuối năm 2026"),
    ("K2026-01", "tháng 1/2026 (15/12/2025 – 14/01/2026)"),
    ("PT2026", "năm phong trào 2026 (15/11/2025 – 14/11/2026)"),
    ("2026-13", "2026-13"), ("2027-W3", "2027-W3"),  # not known here: as stored
])
def test_a_figures_period_in_words(stored, shown):
    assert stat_period_label(stored) == shown


def test_lists_and_the_command_line_show_the_period_in_words(conn):
    from desktop.domain.kinds import KINDS

    shown = Presenter(conn).record(KINDS["crime_stat"], {"period": "2025-Q1",
                                                         "social_cases": 4})
    assert (shown["period"], shown["social_cases"]) == ("quý I/2025", "4")
