"""Whole-record rules on what an import leaves (session 12): a bundle is never refused for a
rule that a local write enforces on the whole record (validation.check_record), since the
sender may rightly hold the merged state; each record the import leaves breaking one is put
up for review instead, naming the field and the rule's words, and closed by an edit here
that makes the record pass."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import Node, rewrite

from desktop import cli
from desktop.domain.errors import UserError, ValidationError
from desktop.sync import conflicts, exchange, overview

CCCD_1985 = "011085012345"  # Điện Biên, a man born in 1985 (DOMAIN.md §5.1)
YEAR_RULE = "Năm sinh theo số định danh là 1985, khác năm sinh đã ghi (1990)."
LABEL = "Số định danh cá nhân (CCCD)"


def sync(src: Node, dst: Node, folder: Path) -> exchange.ImportResult:
    [path] = src.export(folder, to=dst)
    [result] = dst.import_(path)
    assert result.status == "imported", result.message
    return result


def rule_items(node: Node, *, include_closed: bool = False) -> list[conflicts.Conflict]:
    return [c for c in conflicts.list_conflicts(node.conn, include_closed=include_closed)
            if c.kind == "rule"]


def test_a_bundle_breaking_the_cccd_rule_imports_and_is_put_up_for_review(network, tmp_path):
    prov, (a,) = network(1)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "gender": "male",
                                 "birth_date": "05/03/1985", "citizen_id": CCCD_1985}).id
    [path] = a.export(tmp_path / "usb", to=prov)

    def born_in_1990(line: dict) -> None:  # a buggy or hostile peer
        if line["f"] == "birth_date":
            line["v"] = "1990-03-05"

    forged = tmp_path / "forged" / path.name
    forged.parent.mkdir()
    forged.write_bytes(rewrite(a, path, prov, line=born_in_1990))
    [result] = prov.import_(forged)
    assert result.status == "imported", result.message
    assert result.stats["review_new"] == 1
    assert "1 bản ghi sai quy tắc cần xem xét" in result.message
    [item] = rule_items(prov)
    assert (item.tbl, item.pk, item.field, item.field_label) == ("person", pid, "citizen_id",
                                                                 LABEL)
    assert item.message == YEAR_RULE  # the words a local write shows
    assert item.winner_value == CCCD_1985
    # A local write of the same state is refused with the same words.
    with pytest.raises(ValidationError, match="khác năm sinh đã ghi"):
        prov.store.edit("person", pid, {"phone": "0912345678"})
    # The communes' overview counts it as the commune's, apart from its conflicts.
    [row] = [r for r in overview.overview(prov.conn).rows if r.site_id == a.site_id]
    assert (row.open_conflicts, row.rule_items) == (0, 1)
    assert "; 0 xung đột; 1 bản ghi sai quy tắc;" in row.line({})
    # The item goes nowhere: a commune's bundle upward carries conflicts, never these.
    assert conflicts.conflicts_to_send(prov.conn, {a.part, prov.part}) == []


def concurrent(network, tmp_path) -> tuple[Node, Node, str]:
    """Commune A records the CCCD, the province the birth year, each valid alone; together
    they break DOMAIN.md §5.1."""
    prov, (a,) = network(1)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "gender": "male"}).id
    sync(a, prov, tmp_path / "0")
    a.store.edit("person", pid, {"citizen_id": CCCD_1985})
    prov.store.edit("person", pid, {"birth_date": "05/03/1990"})
    return prov, a, pid


def test_two_valid_edits_merging_into_a_broken_record_are_flagged_at_both_sites(
        network, tmp_path):
    prov, a, pid = concurrent(network, tmp_path)
    assert sync(prov, a, tmp_path / "1").stats["review_new"] == 1
    assert sync(a, prov, tmp_path / "2").stats["review_new"] == 1
    for node in (a, prov):
        [item] = rule_items(node)
        assert (item.pk, item.field, item.message) == (pid, "citizen_id", YEAR_RULE)
        row = node.conn.execute("SELECT birth_date, citizen_id FROM person WHERE id = ?",
                                (pid,)).fetchone()
        assert tuple(row) == ("1990-03-05", CCCD_1985)  # the same merged record at both
    # A later local fix at A clears A's item; its bundle clears the province's.
    a.store.edit("person", pid, {"birth_date": "05/03/1985"})
    assert rule_items(a) == []
    [closed] = rule_items(a, include_closed=True)
    assert closed.status == "closed"
    result = sync(a, prov, tmp_path / "3")
    assert result.stats["review_new"] == 0 and rule_items(prov) == []
    assert "cần xem xét" not in result.message


def test_an_import_not_touching_the_rules_fields_does_not_flag_again(network, tmp_path):
    prov, a, pid = concurrent(network, tmp_path)
    sync(prov, a, tmp_path / "1")
    # As a database from before these rules: the broken record held, no item.
    a.conn.execute("DELETE FROM sync_conflict WHERE kind = 'rule'")
    prov.store.link("person", pid, {"phone": "0912345678"})  # the province's own broken copy
    result = sync(prov, a, tmp_path / "2")
    assert result.stats["review_new"] == 0 and rule_items(a) == []
    # The field the rule names, written again (still wrong): flagged.
    prov.store.link("person", pid, {"citizen_id": "011085099999"})
    assert sync(prov, a, tmp_path / "3").stats["review_new"] == 1
    [item] = rule_items(a)
    assert item.winner_value == "011085099999"


def test_resolving_the_item_with_the_right_value_is_an_edit_checked_by_every_rule(
        network, tmp_path, capsys):
    prov, a, pid = concurrent(network, tmp_path)
    sync(prov, a, tmp_path / "1")
    [item] = rule_items(a)
    capsys.readouterr()
    assert cli.main(["conflicts", "list", "--db", str(a.path)]) == 0
    out = capsys.readouterr().out
    assert LABEL in out and YEAR_RULE in out and CCCD_1985 in out
    with pytest.raises(ValidationError, match="khác năm sinh đã ghi"):
        conflicts.resolve_conflict(a.store, item.id, "011085054321")  # still 1985
    with pytest.raises(UserError, match="khác năm sinh đã ghi"):
        conflicts.resolve_conflict(a.store, item.id, "theirs")
    done = conflicts.resolve_conflict(a.store, item.id, "011090012345")
    assert done.status == "merged" and rule_items(a) == []
    assert a.conn.execute("SELECT citizen_id FROM person WHERE id = ?",
                          (pid,)).fetchone()[0] == "011090012345"


def test_nothing_is_half_saved_when_the_import_fails_after_the_check(network, tmp_path,
                                                                     monkeypatch):
    prov, a, pid = concurrent(network, tmp_path)
    [path] = prov.export(tmp_path / "1", to=a)
    before = logical_dump(a.conn)

    def disk_fails(*_args, **_kw) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(exchange.notes, "record_received", disk_fails)
    [result] = a.import_(path)
    assert result.status == "refused" and "disk I/O error" in result.message
    assert logical_dump(a.conn) == before and rule_items(a, include_closed=True) == []
    monkeypatch.undo()
    [result] = a.import_(path)
    assert result.status == "imported" and len(rule_items(a)) == 1
    assert json.loads(a.conn.execute("SELECT counts FROM sync_import_log").fetchone()[0])[
        "review_new"] == 1


def test_a_folder_import_counts_them_per_sender_and_in_all(network, tmp_path):
    from desktop.sync import folder_import

    prov, a, _pid = concurrent(network, tmp_path)
    prov.export(tmp_path / "stick", to=a)
    done = folder_import.import_folder(a.conn, a.keys, [tmp_path / "stick"])
    lines = done.lines()
    assert sum("1 bản ghi sai quy tắc cần xem xét" in line for line in lines) == 2, lines
    assert done.as_dict()["senders"][0]["review"] == 1


def test_undoing_the_import_takes_its_items_back(network, tmp_path):
    from desktop.storage import undo

    prov, a, pid = concurrent(network, tmp_path)
    sync(prov, a, tmp_path / "1")
    assert len(rule_items(a)) == 1
    undo.undo(a.conn)
    assert rule_items(a, include_closed=True) == []
    assert a.conn.execute("SELECT birth_date FROM person WHERE id = ?",
                          (pid,)).fetchone()[0] is None
    assert sync(prov, a, tmp_path / "2").stats["review_new"] == 1  # and again on a new import


def test_a_peer_listing_a_rule_item_is_refused():
    # Rule items never travel: a bundle listing one (words of its own shown to the officer
    # as a rule's) is refused, as any malformed conflict list is.
    dot = ["site-a", "p1", 3]
    item = {"id": conflicts.conflict_id("rule", "person", "pk1", "citizen_id", dot,
                                        ["Gọi số này ngay"]),
            "kind": "rule", "severity": "normal", "tbl": "person", "pk": "pk1",
            "field": "citizen_id", "loser_value": "Gọi số này ngay", "loser_hlc": 1,
            "loser_origin": "site-a", "loser_part": "p1", "loser_seq": 3,
            "winner_value": None, "winner_hlc": 1, "winner_origin": "site-a",
            "winner_part": "p1", "winner_seq": 3, "detected_site": "site-a",
            "detected_local_time": "2026-12-07 10:00"}
    assert set(item) == set(conflicts._COLUMNS)
    with pytest.raises(UserError, match="danh sách xung đột trong gói không hợp lệ"):
        conflicts.parse_conflicts([item], "site-a", None, "goi.vsb")
    # The same item as a conflict of values (its own id) is taken: the kind is what is refused.
    other = ["site-b", "p1", 4]
    value = {**item, "kind": "value", "winner_origin": "site-b", "winner_seq": 4,
             "id": conflicts.conflict_id("value", "person", "pk1", "citizen_id", dot, other)}
    assert conflicts.parse_conflicts([value], "site-a", None, "goi.vsb") == [value]
