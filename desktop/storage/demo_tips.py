"""Tips from the public in the demo database (issue 13): a few per commune, most transferred
in time, some valuable and solving a case, the latest not yet transferred (so the overdue
warning shows). Source codes only: the demo has no informant identity."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

SUMMARIES = (
    "Phát hiện người lạ mang theo gói nghi là ma túy đi qua bản",
    "Trình báo mất trộm hai con trâu thả ở bìa rừng",
    "Tin về nhóm thanh niên tụ tập đánh bạc ban đêm",
    "Nghi có người vận chuyển hàng cấm qua đường mòn biên giới",
    "Phát hiện khai thác gỗ trái phép ở khu rừng phòng hộ",
    "Tin về người lừa đảo nhận tiền xin việc làm",
    "Báo tin có người cất giấu súng tự chế",
    "Tin về người nơi khác đến tạm trú không khai báo",
)
CHANNELS = ("truc_tiep", "dien_thoai", "qua_to_bao_ve", "van_ban", "mang_xa_hoi")
CATEGORIES = ("ma_tuy", "trom_cap", "co_bac", "xuat_nhap_canh", "moi_truong", "lua_dao",
              "vu_khi", "khac")


def add_demo_tips(add_many: Callable[[str, list[dict[str, object]]], list[str]],
                  rng: random.Random, communes: Sequence[dict], today: dt.date) -> None:
    start = dt.datetime(2025, 1, 1, 7, 0)
    span = int((dt.datetime.combine(today, dt.time(7, 0)) - start).total_seconds() // 60)
    for commune in communes:
        rows: list[dict[str, object]] = []
        moments = sorted(start + dt.timedelta(minutes=rng.randrange(span))
                         for _i in range(rng.randint(6, 12)))
        for n, received in enumerate(moments):
            pick = rng.randrange(len(SUMMARIES))
            tip: dict[str, object] = {
                "received_at": received, "channel": rng.choice(CHANNELS),
                "category": CATEGORIES[min(pick, len(CATEGORIES) - 1)],
                "unit_id": commune["id"], "summary": SUMMARIES[pick],
                "record_number": f"{n + 1:02d}/BB-CAX"}
            if n < len(moments) - 1:  # the latest waits: the overdue warning
                tip["transferred_at"] = received + dt.timedelta(hours=rng.randint(2, 20))
                tip["transferred_to"] = "Cơ quan Cảnh sát điều tra Công an tỉnh"
                if rng.random() < 0.6:
                    tip["valuable"] = 1
                    if rng.random() < 0.6:
                        tip.update(case_solved=1, arrested=rng.randint(1, 3),
                                   case_serious=1 if rng.random() < 0.15 else 0,
                                   case_reference=f"{rng.randint(10, 99)}/VA")
            rows.append(tip)
        add_many("tip", rows)
