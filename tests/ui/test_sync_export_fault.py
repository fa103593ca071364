"""«Ghi ra USB…» for two communes when the stick fills up after the first bundle (issue 10,
finding 9): the window's message says what happened and lists the bundle already written."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from test_sync_clicks import (
    Modals,
    RecipientsDialog,
    answer_box,
    click,
    fast_kdf,  # noqa: F401 - an autouse fixture, used by being imported here
    menu_action,
    open_window,
)
from uikit import close_window, new_site

from desktop.storage import db
from desktop.sync import enrol, keys

_real_open = Path.open


def test_a_full_stick_after_the_first_bundle_is_told_with_the_bundle_written(
        qtbot, master_db, tmp_path, monkeypatch):
    province = new_site(master_db, tmp_path, "Công an tỉnh Điện Biên", province_code="11")
    prov = db.open_database(province)
    keys.init_keys(prov)
    prov_keys = keys.unlock(prov)
    for name, code in (("Công an xã Mường Nhé", "03160"), ("Công an xã Búng Lao", "03301")):
        path = new_site(master_db, tmp_path, name, commune_code=code)
        comm = db.open_database(path)
        keys.init_keys(comm)
        request, answer = tmp_path / f"{code}.req", tmp_path / f"{code}.ans"
        fp = enrol.make_request(comm, keys.unlock(comm), request)
        enrol.accept_request(prov, prov_keys, request, answer, confirmed_fingerprint=fp)
        comm.close()
    prov.close()

    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getExistingDirectory",
                        lambda *a, **k: str(stick))
    writes = [0]

    def opener(self: Path, mode: str = "r", *a, **kw):
        if "w" in mode and Path(self).is_relative_to(stick):
            writes[0] += 1
            if writes[0] > 1:  # the stick is full after the first bundle
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return _real_open(self, mode, *a, **kw)

    monkeypatch.setattr(Path, "open", opener)
    w = open_window(province)

    def both(dialog: RecipientsDialog) -> None:
        assert len(dialog.chosen()) == 2
        click(qtbot, dialog.ok_button)

    said: list[str] = []
    modals = (Modals(qtbot).then(RecipientsDialog, both)
              .then(QMessageBox, answer_box(qtbot, seen=said)))
    menu_action(w, "&Ghi ra USB…").trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=10000)
    modals.done()
    [written] = [p for p in stick.iterdir()]
    text = said[0]
    assert text.startswith("Ổ đĩa đầy") and "không mong đợi" not in text
    assert "Các gói đã ghi xong trước lỗi này:" in text and written.name in text
    close_window(w)
