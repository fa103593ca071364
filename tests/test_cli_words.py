"""Issue 14, finding 7: the command line in the officer's words — what `init` set up, the
column headers of `list`, the fields of `show`."""

from __future__ import annotations

from pathlib import Path

from dbkit import copy_database
from test_cli import antq, db, run_json  # noqa: F401 - the fixture

__all__ = ["db"]


def test_init_says_what_was_set_up_in_words(tmp_path: Path, master_db: Path):
    path = tmp_path / "init.db"
    copy_database(master_db, path)
    out = antq("init", "--site-name", "Công an xã Mường Nhé", "--commune-code", "3160",
               "--db", str(path), data_dir=tmp_path).stdout
    assert out.startswith("Đã khởi tạo Xã Mường Nhé (mã 03160) cho «Công an xã Mường Nhé»; "
                          "mã điểm đồng bộ: "), out
    assert "commune" not in out and "site " not in out


def test_list_and_show_name_the_columns_in_vietnamese(db: Path):
    pid = run_json(db, "add", "person", "full_name=Lò Văn Sáng", "gender=nam")["id"]
    header = antq("list", "person", "--db", str(db), data_dir=db.parent).stdout.splitlines()[0]
    assert header.split("\t") == ["Mã", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc",
                                  "Số định danh cá nhân (CCCD)", "Nơi cư trú (thôn/bản)"]
    shown = antq("show", "person", pid, "--db", str(db), data_dir=db.parent).stdout
    assert shown.splitlines()[:3] == [f"Mã: {pid}", "Họ và tên (full_name): Lò Văn Sáng",
                                      "Giới tính (gender): Nam"]
