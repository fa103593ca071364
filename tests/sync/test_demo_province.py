"""``antq demo --scale province`` (issue 15): the province enrolled with its communes, each a
site of its own, and a stick with each commune's first bundle, which the province imports in
one action."""

from __future__ import annotations

import json

from desktop import cli
from desktop.storage import db
from desktop.sync import demo_province, enrol


def test_the_province_demo_and_its_stick(tmp_path, capsys):
    path = tmp_path / "tinh.db"
    args = ["demo", "--scale", "province", "--communes", "2", "--people-per-village", "4",
            "--db", str(path)]
    assert cli.main([*args, "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    folder = demo_province.folder_of(path)
    assert made["communes"] == 2 and made["bundles"] == 2
    assert len(list(folder.glob("xa-*.db"))) == 2
    conn = db.open_database(path)
    try:
        assert [p.site_kind for p in enrol.list_sites(conn)] == ["commune", "commune"]
        # named as the first-run wizard names a site: «Công an xã …», not «Công an Xã …»
        assert all(p.name.startswith(("Công an xã ", "Công an phường ")) and
                   p.name.endswith(" (dữ liệu mẫu)") for p in enrol.list_sites(conn))
    finally:
        conn.close()
    assert cli.main(["import-bundle", str(folder / "usb"), "--db", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[-1].startswith("Tổng: 2 gói đã nhập")
    assert all("1 gói đã nhập" in line for line in lines[:2])
    # Made again only with --replace, which deletes nothing but what the demo made.
    assert cli.main(args) == 2
    assert "--replace" in capsys.readouterr().err
    assert cli.main([*args, "--replace"]) == 0
