"""The window's sync flows, by clicking (issue 10): keys made and changed, the enrolment
gated by the fingerprint (request at the commune, accept at the province, install at the
commune), export, import with its dry-run summary, and conflicts. No flow asks a password
for the keys (issue 11) but keys sealed by an earlier version, once; a viewer is refused.

Menu items are triggered, buttons clicked with the mouse; every modal dialog a flow opens is
answered from the test (``Modals``) by typing into its real fields and clicking its real
buttons. File pickers return a path (monkeypatched).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dbkit import stamped_after
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)
from uikit import close_window, enrol_with_a_person, new_site, save

from desktop.storage import accounts, db, site
from desktop.storage.writer import Store
from desktop.sync import conflicts, enrol, exchange, keys
from desktop.ui.exchange.sync_dialogs import (
    ConflictsDialog,
    FingerprintDialog,
    RecipientsDialog,
    ResultsDialog,
    SitesDialog,
)
from desktop.ui.shell.app import build_window, make_application

OLD_PASS = "mật khẩu khóa cũ"
FAST_KDF = {"t": 1, "m": 8, "p": 1}
LEFT = Qt.MouseButton.LeftButton
# Opened with open(), not exec(): they wait for the officer without blocking the flow.
NOT_BLOCKING = (QProgressDialog, SitesDialog, ConflictsDialog, ResultsDialog)


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "KDF_PARAMS", FAST_KDF)


class Modals(QObject):
    """Answers the modal dialogs of a flow in order: each step waits for a new blocking
    dialog of its type and acts on it. An unexpected one is recorded and closed, so a wrong
    flow fails the test instead of hanging it."""

    def __init__(self, qtbot) -> None:
        super().__init__()
        self.qtbot = qtbot
        self.steps: list[tuple[type, Callable[[QWidget], None]]] = []
        self.seen: list[QWidget] = []
        self.errors: list[str] = []
        self.timer = QTimer(self, interval=10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def then(self, kind: type, action: Callable[[QWidget], None]) -> Modals:
        self.steps.append((kind, action))
        return self

    def _tick(self) -> None:
        w = QApplication.activeModalWidget()
        if w is None or isinstance(w, NOT_BLOCKING) or any(w is s for s in self.seen):
            return
        self.seen.append(w)
        if not self.steps or not isinstance(w, self.steps[0][0]):
            expected = self.steps[0][0].__name__ if self.steps else "nothing"
            self.errors.append(f"{type(w).__name__} «{w.windowTitle()}» "
                               f"{getattr(w, 'text', lambda: '')()!r} (expected {expected})")
            w.reject()
            return
        _kind, action = self.steps.pop(0)
        try:
            action(w)
        except Exception as e:  # noqa: BLE001 - reported by done()
            self.errors.append(f"{type(w).__name__}: {e!r}")
            w.reject()

    def done(self) -> None:
        self.timer.stop()
        assert self.errors == []
        assert [k.__name__ for k, _a in self.steps] == []


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def box_button(box: QMessageBox, text: str | None) -> QPushButton:
    if text is None:  # its OK button (in the window's language)
        return box.button(QMessageBox.StandardButton.Ok)
    found = [b for b in box.buttons() if b.text().replace("&", "") == text]
    assert len(found) == 1, [b.text() for b in box.buttons()]
    return found[0]


def answer_box(qtbot, text: str | None = None, seen: list[str] | None = None):
    """Click the message box's button labelled ``text``; keep its text in ``seen``."""
    def act(box: QMessageBox) -> None:
        if seen is not None:
            seen.append(box.text())
        click(qtbot, box_button(box, text))
    return act


def type_passphrase(qtbot, passphrase: str = OLD_PASS):
    """The passphrase of keys an earlier version sealed (the only one ever asked)."""
    def act(dialog: QInputDialog) -> None:
        assert dialog.findChild(QLineEdit).echoMode() == QLineEdit.EchoMode.Password
        assert "phiên bản trước" in dialog.labelText()
        dialog.findChild(QLineEdit).setText(passphrase)
        click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))
    return act


def menu_action(window, text: str) -> QAction:
    [action] = [a for a in window.findChildren(QAction) if a.text() == text]
    return action


def open_window(path: Path):
    make_application()
    w = build_window(path)
    w.show()
    return w


@pytest.fixture
def bare(master_db: Path, tmp_path: Path) -> dict[str, Path]:
    """A province and a commune, each set up, neither with keys yet."""
    return {"province": new_site(master_db, tmp_path, "Công an tỉnh Điện Biên",
                                 province_code="11"),
            "commune": new_site(master_db, tmp_path, "Công an xã Mường Nhé",
                                commune_code="03160")}


def fingerprint_of(path: Path) -> str:
    conn = db.open_database(path)
    try:
        return keys.fingerprint(site.require_site(conn).site_id, keys.public_keys(conn))
    finally:
        conn.close()


# -- keys (finding 10) -------------------------------------------------------------------------

def test_keys_are_made_and_changed_by_clicking(qtbot, bare):
    w = open_window(bare["commune"])
    menu_action(w, "Điểm đồng bộ và &khóa…").trigger()
    sites = w.sync.last_dialog
    assert isinstance(sites, SitesDialog) and "chưa có khóa" in sites.own.text()
    assert not sites.request.isEnabled() and not sites.rotate.isEnabled()

    said: list[str] = []
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot, seen=said))  # no password asked
    click(qtbot, sites.create_keys)
    modals.done()
    fp = fingerprint_of(bare["commune"])
    assert fp in said[0] and fp in sites.own.text()
    assert json.loads(w.conn.execute(
        "SELECT sealed FROM sync_key WHERE purpose = 'sign'").fetchone()[0])["kdf"] == "dbkey"
    assert not sites.create_keys.isEnabled() and sites.rotate.isEnabled()
    assert sites.request.isEnabled()
    assert sites.guide_text().splitlines()[0].startswith("✓")
    save(sites, "sync-keys-commune.png")

    # «Thay khóa…» asks first; «Hủy» changes nothing.
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot, "Hủy", seen=said))
    click(qtbot, sites.rotate)
    modals.done()
    assert "Tạo khóa mới cho điểm này" in said[-1] and fingerprint_of(bare["commune"]) == fp

    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot, "Thay khóa")) \
        .then(QMessageBox, answer_box(qtbot, seen=said))
    click(qtbot, sites.rotate)
    modals.done()
    new_fp = fingerprint_of(bare["commune"])
    assert new_fp != fp and new_fp in sites.own.text()
    assert f"vân tay mới {new_fp} (cũ {fp})" in said[-1]
    click(qtbot, sites.close_button)
    close_window(w)


def test_writing_to_a_stick_without_keys_leads_on_to_keys_and_enrolment(qtbot, bare, tmp_path,
                                                                        monkeypatch):
    """No dead end: «Ghi ra USB…» offers the keys, then the enrolment guide."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *a, **k: pytest.fail("no folder before there is a recipient"))
    w = open_window(bare["commune"])
    modals = (Modals(qtbot)
              .then(QMessageBox, answer_box(qtbot, "Tạo khóa ngay"))
              .then(QMessageBox, answer_box(qtbot))
              .then(QMessageBox, answer_box(qtbot, "Đăng ký…")))
    menu_action(w, "&Ghi ra USB…").trigger()
    modals.done()
    assert keys.has_keys(w.conn)
    sites = w.sync.last_dialog
    assert isinstance(sites, SitesDialog) and sites.isVisible()
    assert sites.request.isEnabled() and sites.request.isVisible()
    assert "Ghi yêu cầu đăng ký" in sites.guide_text()
    click(qtbot, sites.close_button)
    close_window(w)


# -- enrolment (finding 2, the window's part) ---------------------------------------------------

def test_enrolment_by_clicking_is_gated_by_the_fingerprint(qtbot, bare, tmp_path, monkeypatch):
    stick = tmp_path / "usb"
    stick.mkdir()
    request, answer = stick / "yeu-cau.json", stick / "tra-loi.json"
    asked: dict[str, str] = {}

    def save_to(path: Path):
        def pick(_parent, title, default, _filter=""):
            asked[title] = default
            return str(path), ""
        return pick

    # 1. The commune makes its keys and writes the request to the stick.
    commune = open_window(bare["commune"])
    menu_action(commune, "Điểm đồng bộ và &khóa…").trigger()
    sites = commune.sync.last_dialog
    assert not sites.accept_button.isVisible()
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot))
    click(qtbot, sites.create_keys)
    modals.done()
    commune_fp = fingerprint_of(bare["commune"])
    assert commune_fp in sites.guide_text()  # step 3: read this out to the province
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_to(request))
    said: list[str] = []
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot, seen=said))
    click(qtbot, sites.request)
    modals.done()
    assert request.is_file()
    assert f"Vân tay của điểm này: {commune_fp} (đọc cho tỉnh qua điện thoại)" in said[0]
    click(qtbot, sites.close_button)
    close_window(commune)

    # 2. The province accepts it only once the fingerprint the commune reads out matches.
    province = open_window(bare["province"])
    menu_action(province, "Điểm đồng bộ và &khóa…").trigger()
    sites = province.sync.last_dialog
    assert not sites.request.isVisible() and not sites.install.isVisible()
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot))
    click(qtbot, sites.create_keys)
    modals.done()
    province_fp = fingerprint_of(bare["province"])
    assert "Chấp nhận yêu cầu của xã" in sites.guide_text()
    save(sites, "sync-sites-province.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(request), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_to(answer))

    def compare(dialog: FingerprintDialog) -> None:
        assert dialog.in_file.text() == commune_fp
        assert dialog.confirm_button.text() == "Chấp nhận"
        assert not dialog.confirm_button.isEnabled()
        dialog.typed.setText("1234-5678")
        assert not dialog.confirm_button.isEnabled() and "Không khớp" in dialog.verdict.text()
        dialog.typed.setText(commune_fp[:7])
        assert not dialog.confirm_button.isEnabled()
        dialog.typed.setText(commune_fp.replace("-", " ").lower())  # as typed from the phone
        assert dialog.confirm_button.isEnabled() and "khớp" in dialog.verdict.text()
        assert province_fp in dialog.note.text()  # read out to the commune in the same call
        save(dialog, "sync-accept-request.png")
        click(qtbot, dialog.confirm_button)

    said.clear()
    modals = Modals(qtbot).then(FingerprintDialog, compare) \
        .then(QMessageBox, answer_box(qtbot, seen=said))
    click(qtbot, sites.accept_button)
    modals.done()
    assert answer.is_file()
    assert Path(asked["Ghi trả lời cho xã"]).parent == stick  # the answer goes on the stick
    assert f"vân tay của tỉnh (đọc cho xã): {province_fp}" in said[0]
    assert "Công an xã Mường Nhé" in sites.sites.item(0).text()
    click(qtbot, sites.close_button)
    close_window(province)

    # 3. The commune installs the answer once the province's fingerprint matches; a
    #    mismatch leaves the button off and nothing is written.
    commune = open_window(bare["commune"])
    menu_action(commune, "Điểm đồng bộ và &khóa…").trigger()
    sites = commune.sync.last_dialog
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(answer), ""))

    def wrong(dialog: FingerprintDialog) -> None:
        assert dialog.in_file.text() == province_fp
        dialog.typed.setText(commune_fp)  # its own, read by mistake
        assert not dialog.confirm_button.isEnabled()
        click(qtbot, dialog.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Cancel))

    modals = Modals(qtbot).then(FingerprintDialog, wrong)
    click(qtbot, sites.install)
    modals.done()
    assert enrol.list_sites(commune.conn) == []
    assert sites.sites.item(0).text() == "Chưa có điểm nào đã đăng ký."

    def right(dialog: FingerprintDialog) -> None:
        dialog.typed.setText(province_fp)
        assert dialog.confirm_button.text() == "Cài trả lời"
        save(dialog, "sync-install-answer.png")
        click(qtbot, dialog.confirm_button)

    said.clear()
    modals = Modals(qtbot).then(FingerprintDialog, right) \
        .then(QMessageBox, answer_box(qtbot, seen=said))
    click(qtbot, sites.install)
    modals.done()
    assert f"vân tay {province_fp} khớp với vân tay tỉnh đọc" in said[0]
    [peer] = enrol.list_sites(commune.conn)
    assert peer.fingerprint == province_fp and peer.site_kind == "province"
    assert all(line.startswith("✓") for line in sites.guide_text().splitlines()[:5])
    click(qtbot, sites.close_button)
    close_window(commune)


@pytest.fixture
def enrolled(bare: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """The same two sites with keys, enrolled (by the functions the window calls), and a
    person at the commune."""
    enrol_with_a_person(bare["province"], bare["commune"], tmp_path, phone="0911000000")
    return bare


def test_a_second_site_for_an_enrolled_commune_needs_the_replace_tick(qtbot, enrolled,
                                                                      master_db, tmp_path,
                                                                      monkeypatch):
    """A reinstalled commune (new keys, same code): accepted only when the officer ticks
    «Thay hẳn điểm cũ …», which revokes the old site."""
    again = new_site(master_db, tmp_path / "again", "Công an xã Mường Nhé (máy mới)",
                     commune_code="03160")
    conn = db.open_database(again)
    keys.init_keys(conn)
    request = tmp_path / "request-2.json"
    fp = enrol.make_request(conn, keys.unlock(conn), request)
    conn.close()
    old_fp = fingerprint_of(enrolled["commune"])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(request), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "answer-2.json"), ""))
    province = open_window(enrolled["province"])
    menu_action(province, "Điểm đồng bộ và &khóa…").trigger()
    sites = province.sync.last_dialog

    def compare(dialog: FingerprintDialog) -> None:
        assert dialog.replace is not None and dialog.warning is not None
        assert old_fp in dialog.warning.text()
        assert dialog.replace.text() == ("Thay hẳn điểm cũ «Công an xã Mường Nhé» (điểm cũ bị "
                                         "thu hồi)")
        dialog.typed.setText(fp)
        assert "khớp" in dialog.verdict.text() and not dialog.confirm_button.isEnabled()
        save(dialog, "sync-accept-replace.png")
        qtbot.mouseClick(dialog.replace, LEFT)
        assert dialog.replace.isChecked() and dialog.confirm_button.isEnabled()
        click(qtbot, dialog.confirm_button)

    said: list[str] = []
    modals = (Modals(qtbot).then(FingerprintDialog, compare)
              .then(QMessageBox, answer_box(qtbot, seen=said)))
    click(qtbot, sites.accept_button)
    modals.done()
    assert f"Đã thu hồi điểm cũ Công an xã Mường Nhé ({old_fp})" in said[0]
    status = {p.fingerprint: p.status for p in enrol.list_sites(province.conn)}
    assert status == {old_fp: "revoked", fp: "active"}
    click(qtbot, sites.close_button)
    close_window(province)


# -- export, import, conflicts ------------------------------------------------------------------

def rows_of(page) -> list[str]:
    return [page.model.index(r, 0).data() for r in range(page.model.rowCount())]


def test_export_and_import_by_clicking(qtbot, enrolled, tmp_path, monkeypatch):
    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))
    commune = open_window(enrolled["commune"])

    def write(dialog: RecipientsDialog) -> None:
        assert dialog.chosen() and "Công an tỉnh Điện Biên" in dialog.listing.item(0).text()
        click(qtbot, dialog.ok_button)

    modals = Modals(qtbot).then(RecipientsDialog, write)  # no password asked
    menu_action(commune, "&Ghi ra USB…").trigger()
    qtbot.waitUntil(lambda: isinstance(commune.sync.last_dialog, ResultsDialog), timeout=10000)
    modals.done()
    written = commune.sync.last_dialog
    [bundle] = stick.glob("*.vsb")
    assert written.lines() == [f"Công an tỉnh Điện Biên: {line.split(': ', 1)[1]}"
                               for line in written.lines()]
    assert bundle.name in written.lines()[0]
    click(qtbot, written.close_button)
    close_window(commune)

    # The province picks the bundle and a stray file; the dry run says what would happen,
    # nothing is written until «Nhập», then one line per file.
    stray = stick / "ghi-chu.vsb"
    stray.write_bytes(b"not a bundle")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(bundle), str(stray)], ""))
    province = open_window(enrolled["province"])
    summary: list[str] = []

    def confirm(box: QMessageBox) -> None:
        summary.append(box.text())
        assert "Vàng A Dơ" not in rows_of(province.people)  # nothing written yet
        click(qtbot, box_button(box, "Nhập"))

    modals = Modals(qtbot).then(QMessageBox, confirm)
    menu_action(province, "&Nhập từ USB…").trigger()
    qtbot.waitUntil(lambda: isinstance(province.sync.last_dialog, ResultsDialog)
                    and province.sync.last_dialog.windowTitle() == "Kết quả nhập",
                    timeout=10000)
    modals.done()
    assert summary[0].startswith("Đã kiểm tra, chưa ghi gì:")
    assert bundle.name in summary[0] and stray.name in summary[0]
    lines = province.sync.last_dialog.lines()
    assert [line.split(":")[0] for line in lines] == [bundle.name, stray.name]
    assert "Vàng A Dơ" in rows_of(province.people)
    click(qtbot, province.sync.last_dialog.close_button)
    close_window(province)


@pytest.fixture
def in_conflict(enrolled: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """The commune and the province both changed the person's phone and notes; the
    commune's bundle (written by export_to_folder) then reached the province."""
    prov, comm = (db.open_database(enrolled[n]) for n in ("province", "commune"))
    prov_keys, comm_keys = keys.unlock(prov), keys.unlock(comm)

    def deliver(folder: Path) -> None:
        folder.mkdir()
        results = exchange.export_to_folder(comm, comm_keys, folder)
        imported = exchange.import_files(prov, prov_keys, [r.path for r in results])
        assert [r.status for r in imported] == ["imported"]

    deliver(tmp_path / "b1")
    pid = comm.execute("SELECT id FROM person").fetchone()[0]
    Store(comm, actor="xã").edit("person", pid, {"phone": "0911111111", "notes": "xã ghi"})
    # The province's values win (the test types over "tỉnh ghi"): stamped after the commune's,
    # not in the same millisecond, where the commune's later site id would win the tie.
    with stamped_after(comm):
        Store(prov, actor="tỉnh").edit("person", pid, {"phone": "0922222222",
                                                       "notes": "tỉnh ghi"})
    deliver(tmp_path / "b2")
    assert len(conflicts.list_conflicts(prov)) == 2
    prov.close()
    comm.close()
    return enrolled


def test_conflicts_are_resolved_by_clicking(qtbot, in_conflict):
    province = open_window(in_conflict["province"])
    menu_action(province, "&Xung đột dữ liệu…").trigger()
    dialog = province.sync.last_dialog
    assert isinstance(dialog, ConflictsDialog) and dialog.table.rowCount() == 2
    assert not dialog.mine.isEnabled()  # nothing chosen yet

    def pick(row: int) -> None:
        rect = dialog.table.visualItemRect(dialog.table.item(row, 0))
        qtbot.mouseClick(dialog.table.viewport(), LEFT, pos=rect.center())

    def value(field: str) -> str:
        return province.conn.execute(f"SELECT {field} FROM person").fetchone()[0]

    fields = {dialog.items[r].field: r for r in range(2)}
    phone = dialog.items[fields["phone"]]
    pick(fields["phone"])
    click(qtbot, dialog.mine)
    assert value("phone") == phone.loser_value and dialog.table.rowCount() == 1
    assert dialog.info.text().startswith("1 ")

    def type_value(box: QInputDialog) -> None:
        assert box.findChild(QLineEdit).text() == "tỉnh ghi"
        box.findChild(QLineEdit).setText("xã và tỉnh cùng ghi")
        click(qtbot, box.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))

    pick(0)
    modals = Modals(qtbot).then(QInputDialog, type_value)
    click(qtbot, dialog.other)
    modals.done()
    assert value("notes") == "xã và tỉnh cùng ghi"
    assert dialog.table.rowCount() == 0 and conflicts.list_conflicts(province.conn) == []
    click(qtbot, dialog.close_button)
    close_window(province)


# -- keys of an earlier version, and a viewer (issue 11) -----------------------------------------

def test_keys_of_an_earlier_version_ask_their_passphrase_once(qtbot, enrolled, tmp_path,
                                                               monkeypatch):
    path = enrolled["commune"]
    conn = db.open_database(path)
    key = db.known_key(path)
    for purpose, sealed in conn.execute("SELECT purpose, sealed FROM sync_key").fetchall():
        conn.execute("UPDATE sync_key SET sealed = ? WHERE purpose = ?", (
            keys.seal_with_passphrase(keys.unseal(sealed, key, purpose), OLD_PASS, purpose),
            purpose))
    conn.close()
    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))

    def write(dialog: RecipientsDialog) -> None:
        click(qtbot, dialog.ok_button)

    commune = open_window(path)
    said: list[str] = []
    modals = Modals(qtbot).then(QInputDialog, type_passphrase(qtbot, "không phải nó")) \
        .then(QMessageBox, answer_box(qtbot, seen=said))
    menu_action(commune, "&Ghi ra USB…").trigger()
    modals.done()
    assert said == ["Sai mật khẩu khóa đồng bộ cũ"] and list(stick.iterdir()) == []
    assert keys.needs_passphrase(commune.conn)

    modals = Modals(qtbot).then(QInputDialog, type_passphrase(qtbot)) \
        .then(RecipientsDialog, write)
    menu_action(commune, "&Ghi ra USB…").trigger()
    qtbot.waitUntil(lambda: isinstance(commune.sync.last_dialog, ResultsDialog), timeout=10000)
    modals.done()
    assert not keys.needs_passphrase(commune.conn)  # re-sealed under the database key
    click(qtbot, commune.sync.last_dialog.close_button)
    close_window(commune)

    again = open_window(path)  # the next day: nothing asked
    modals = Modals(qtbot).then(RecipientsDialog, write)
    menu_action(again, "&Ghi ra USB…").trigger()
    qtbot.waitUntil(lambda: isinstance(again.sync.last_dialog, ResultsDialog), timeout=10000)
    modals.done()
    assert "Công an tỉnh Điện Biên" in again.sync.last_dialog.lines()[0]
    click(qtbot, again.sync.last_dialog.close_button)
    close_window(again)


def test_a_viewer_cannot_write_read_or_change_keys(qtbot, enrolled, monkeypatch):
    path = enrolled["commune"]
    conn = db.open_database(path)
    accounts.add(conn, "xemv", "viewer", "mật khẩu người xem")
    conn.close()
    fp = fingerprint_of(path)
    for picker in ("getExistingDirectory", "getOpenFileNames", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, picker,
                            lambda *a, **k: pytest.fail("a file picker for a viewer"))
    conn, _account, _notes = accounts.login(path, "xemv", "mật khẩu người xem")
    make_application()
    w = build_window(path, conn=conn)
    w.show()
    said: list[str] = []
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot, seen=said)) \
        .then(QMessageBox, answer_box(qtbot, seen=said))
    menu_action(w, "&Ghi ra USB…").trigger()
    menu_action(w, "&Nhập từ USB…").trigger()
    modals.done()
    assert said == ["Tài khoản «xemv» (xem) không được đồng bộ"] * 2

    menu_action(w, "Điểm đồng bộ và &khóa…").trigger()
    sites = w.sync.last_dialog
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot, seen=said)) \
        .then(QMessageBox, answer_box(qtbot, seen=said))
    click(qtbot, sites.rotate)
    click(qtbot, sites.request)
    modals.done()
    assert said[2:] == ["Tài khoản «xemv» (xem) không được đăng ký điểm đồng bộ"] * 2
    assert fingerprint_of(path) == fp
    click(qtbot, sites.close_button)
    close_window(w)
