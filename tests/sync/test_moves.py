"""A person who moves to another commune (issue 15): the old commune records the move, the
province puts the record in the new commune's partition, both communes and the province
agree; the old commune keeps a history line and the memberships there end."""

from __future__ import annotations

from pathlib import Path

import pytest
from synckit import Node, visible

from desktop import cli
from desktop.domain.errors import UserError, ValidationError
from desktop.storage import moves, versions


def exchange(sender: Node, recipient: Node, folder: Path) -> None:
    for path in sender.export(folder, to=recipient):
        [r] = recipient.import_(path)
        assert r.status == "imported", r.message


def rounds(prov: Node, communes: list[Node], folder: Path, n: int = 2) -> None:
    for _ in range(n):
        for c in communes:
            exchange(c, prov, folder)
        for c in communes:
            exchange(prov, c, folder)


def converged(prov: Node, communes: list[Node]) -> None:
    for c in communes:
        parts = {c.part, "ref"}
        assert visible(c.conn, parts) == visible(prov.conn, parts), c.name


def part_of(node: Node, pid: str) -> str | None:
    row = node.conn.execute("SELECT _part FROM person WHERE id = ?", (pid,)).fetchone()
    return None if row is None else row[0]


@pytest.fixture
def lived(network, tmp_path):
    """Lò Văn Sáng lives in commune A and is a member of one of its organizations; the
    province and both communes have exchanged."""
    prov, (a, b) = network(2)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "birth_date": "1990",
                                 "phone": "0912345678", "residence_unit_id": a.part}).id
    org = a.store.add("organization", {"name": "Tổ tự quản số 1", "org_type": "to_tu_quan",
                                       "unit_id": a.part}).id
    mid = a.store.add("membership", {"person_id": pid, "organization_id": org,
                                     "role": "to_vien", "joined_date": "01/01/2020"}).id
    rounds(prov, [a, b], tmp_path / "r0", 1)
    return prov, a, b, pid, mid


def test_a_move_recorded_at_the_old_commune_reaches_everyone(lived, tmp_path):
    prov, a, b, pid, mid = lived
    moved = moves.move_person(a.store, pid, b.part, "01/12/2026")
    assert not moved.done and moved.ended == [mid] and moved.to_part == b.part
    m = a.conn.execute("SELECT left_date, exit_reason FROM membership WHERE id = ?",
                       (mid,)).fetchone()
    assert tuple(m) == ("2026-12-01", "chuyen_noi_o")
    rounds(prov, [a, b], tmp_path / "r1")
    assert part_of(prov, pid) == b.part == part_of(b, pid)
    assert b.conn.execute("SELECT full_name, phone FROM person WHERE id = ?",
                          (pid,)).fetchone()[:] == ("Lò Văn Sáng", "0912345678")
    # The old commune keeps the history line (done) and a snapshot, no longer its record.
    line = a.conn.execute("SELECT full_name, status, moved_date, _part FROM person_move "
                          "WHERE person_id = ?", (pid,)).fetchone()
    assert tuple(line) == ("Lò Văn Sáng", "done", "2026-12-01", a.part)
    assert part_of(a, pid) == b.part
    assert not versions.read(a.conn, "person", [pid])
    assert b.conn.execute("SELECT count(*) FROM person_move").fetchone()[0] == 0
    converged(prov, [a, b])
    # The new commune edits the person; the old one may not.
    b.store.edit("person", pid, {"phone": "0987654321"})
    with pytest.raises(UserError, match="Xã Búng Lao"):
        a.store.edit("person", pid, {"phone": "0211382000"})
    rounds(prov, [a, b], tmp_path / "r2")
    converged(prov, [a, b])


def test_the_province_records_a_move_and_an_edit_at_the_old_commune_races_it(lived,
                                                                               tmp_path):
    prov, a, b, pid, mid = lived
    a.store.edit("person", pid, {"notes": "ghi ở xã cũ"})  # not yet sent
    moved = moves.move_person(prov.store, pid, b.part, "02/12/2026")
    assert moved.done and part_of(prov, pid) == b.part
    assert prov.conn.execute("SELECT exit_reason FROM membership WHERE id = ?",
                             (mid,)).fetchone()[0] == "chuyen_noi_o"
    exchange(prov, a, tmp_path / "down")  # A learns of the move before sending its edit
    assert part_of(a, pid) == a.part  # its edit is not acknowledged: it stays for now
    rounds(prov, [a, b], tmp_path / "r1")
    assert part_of(a, pid) == b.part
    notes = {n.name: n.conn.execute("SELECT notes FROM person WHERE id = ?", (pid,)).fetchone()[0]
             for n in (prov, b)}
    assert notes == {"prov": "ghi ở xã cũ", "c1": "ghi ở xã cũ"}
    converged(prov, [a, b])


def test_an_edit_made_before_the_province_moved_the_person_is_kept_without_conflict(
        lived, tmp_path):
    """The old commune changes the phone (unsent); then the province records the move, its
    copy of the phone stamped later: the commune's edit knew the value copied, so it wins and
    nobody is asked to review anything."""
    prov, a, b, pid, _mid = lived
    a.store.edit("person", pid, {"phone": "0987654321"})
    moves.move_person(prov.store, pid, b.part, "02/12/2026")
    rounds(prov, [a, b], tmp_path / "r1")
    for node in (prov, a, b):
        assert node.conn.execute("SELECT phone FROM person WHERE id = ?",
                                 (pid,)).fetchone()[0] == "0987654321", node.name
        assert not node.conn.execute("SELECT 1 FROM sync_conflict WHERE pk = ?",
                                     (pid,)).fetchone(), node.name
    converged(prov, [a, b])


def test_a_person_who_moves_back_is_whole_again_at_the_first_commune(lived, tmp_path):
    prov, a, b, pid, _mid = lived
    moves.move_person(a.store, pid, b.part, "01/12/2026")
    rounds(prov, [a, b], tmp_path / "r1")
    b.store.edit("person", pid, {"phone": "0987654321"})
    moves.move_person(b.store, pid, a.part, "01/06/2027")
    rounds(prov, [a, b], tmp_path / "r2")
    assert part_of(a, pid) == part_of(prov, pid) == a.part
    assert a.conn.execute("SELECT phone FROM person WHERE id = ?", (pid,)).fetchone()[0] \
        == "0987654321"
    assert part_of(b, pid) == a.part  # B keeps its snapshot now
    converged(prov, [a, b])


def test_a_move_within_the_commune_is_an_ordinary_edit(lived):
    _prov, a, _b, pid, _mid = lived
    with pytest.raises(ValidationError, match="chỉ cần sửa nơi cư trú"):
        moves.move_person(a.store, pid, a.part, "01/12/2026")
    with pytest.raises(ValidationError, match="moved_date"):
        a.store.edit("person", pid, {"residence_unit_id": "03301"})


def test_the_command_line_records_a_move(lived, tmp_path, capsys):
    prov, a, b, pid, mid = lived
    capsys.readouterr()
    code = cli.main(["edit", "person", pid, f"residence_unit_id={b.part}",
                     "moved_date=01/12/2026", "--db", str(a.path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Xã Búng Lao" in out.out and "1 tổ chức" in out.out, out.out
    assert a.conn.execute("SELECT status FROM person_move WHERE person_id = ?",
                          (pid,)).fetchone()[0] == "pending"
    assert cli.main(["show", "person", pid, "--db", str(a.path)]) == 0
    assert "Chuyển nơi cư trú: ngày 01/12/2026 đến Xã Búng Lao (Chờ tỉnh chuyển hồ sơ)" \
        in capsys.readouterr().out
