"""Fixtures for sync tests: fast key derivation, and a small network of sites."""

from __future__ import annotations

from pathlib import Path

import pytest
from synckit import COMMUNES, FAST_KDF, PROVINCE, Node, enrol_pair, make_node

from desktop.sync import keys


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "KDF_PARAMS", FAST_KDF)


@pytest.fixture
def network(master_db: Path, tmp_path: Path):
    """A province and two communes, enrolled; closes the connections afterwards."""
    nodes: list[Node] = []

    def build(n_communes: int = 2) -> tuple[Node, list[Node]]:
        prov = make_node(master_db, tmp_path / "prov", "prov", province=PROVINCE)
        nodes.append(prov)
        communes = []
        for i in range(n_communes):
            c = make_node(master_db, tmp_path / f"c{i}", f"c{i}", commune=COMMUNES[i])
            enrol_pair(prov, c, tmp_path / "enrol")
            nodes.append(c)
            communes.append(c)
        return prov, communes

    yield build
    for n in nodes:
        n.conn.close()


