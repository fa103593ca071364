"""A commune's village changes reach the province as ordinary versioned edits: a merged
village keeps its name with its successor there too, and the residents follow."""

from __future__ import annotations

import datetime as dt

from synckit import visible

from desktop.domain.kinds import KINDS
from desktop.storage import records, villages


def test_a_merge_at_the_commune_is_the_same_at_the_province(network, tmp_path):
    prov, (commune, _other) = network(2)
    home = villages.commune_of_site(commune.conn, commune.keys.site)
    a, b = villages.add(commune.store, home, ["Bản Huổi Lếch", "Bản Na Pheo"],
                        valid_from=dt.date(2025, 7, 1))
    person = commune.store.add("person", {"full_name": "Vàng A Dơ",
                                          "residence_unit_id": a}).id
    org = commune.store.add("organization", {"name": "Tổ bảo vệ ANTT bản Huổi Lếch",
                                             "org_type": "to_bao_ve_antt", "unit_id": a}).id
    prov.import_(*commune.export(tmp_path / "out1", prov))
    villages.merge(commune.store, [a], b, on=dt.date(2026, 11, 1))
    prov.import_(*commune.export(tmp_path / "out2", prov))
    at_province = prov.conn
    assert records.get(at_province, KINDS["person"], person)["residence_unit_id"] == b
    assert records.get(at_province, KINDS["organization"], org)["unit_id"] == b
    merged = records.get(at_province, KINDS["unit"], a)
    assert (merged["name"], merged["valid_to"], merged["successor_id"]) == (
        "Bản Huổi Lếch", "2026-10-31", b)
    assert [v.name for v in villages.villages(at_province, home)] == ["Bản Na Pheo"]
    part = {commune.part}
    assert visible(at_province, part) == visible(commune.conn, part)
