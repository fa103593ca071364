"""What a bundle's stamps and sequence numbers may claim (issue 10: clocks cannot be poisoned).

Every site's hybrid logical clock advances past every stamp it imports, so one absurd stamp
would be carried into every later edit of the province and, through its bundles, of every
commune; a sequence number near 2^63 would overflow the next local write. The policy:

- Every stamp is at most the sender's own clock at export (``sender_counter``, which an
  honest sender issues above every stamp it holds), and so is every relayed stamp.
- The sender's clock may be ahead of this computer's by at most ``MAX_AHEAD_MS`` (20 years),
  counted from ``max(this computer's clock, FLOOR_MS)``: a computer whose clock reads before
  the program existed (a flat CMOS battery) is the wrong one. Nothing is ever after
  ``CEILING_MS`` (2100), so no stamp can overflow. Beyond these the bundle is refused, the
  message naming the sender and the skew. Honest sites whose clocks are years wrong still
  exchange and converge; more than a day ahead is accepted with a warning.
- Sequence numbers and version vector entries stay below 2^53, and nobody may claim more of
  this site's own changes than this site has made: its next sequence number is its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from desktop.domain.hlc import unpack
from desktop.i18n import _
from desktop.storage.merge import Cell
from desktop.sync.bundle import BundleError

DAY_MS = 24 * 3600 * 1000
YEAR_MS = 365 * DAY_MS
MAX_AHEAD_MS = 20 * YEAR_MS
WARN_AHEAD_MS = DAY_MS
FLOOR_MS = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
CEILING_MS = int(dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
MAX_SEQ = 1 << 53


def describe_skew(ms: int) -> str:
    days = ms / DAY_MS
    if days >= 730:
        return _("{n:.0f} năm").format(n=days / 365)
    if days >= 2:
        return _("{n:.0f} ngày").format(n=days)
    return _("{n:.0f} giờ").format(n=ms / 3_600_000)


def check_stamps(name: str, sender: str, manifest: Mapping[str, object],
                 cells: Iterable[Cell], now_ms: int) -> list[str]:
    """Refuse implausible stamps (BundleError naming ``sender`` and the skew); returns the
    warnings for a clock that is ahead but within the policy."""
    counter = manifest.get("sender_counter")
    if type(counter) is not int or not 0 < counter < 2**63:
        raise BundleError(_("{n}: đồng hồ của {s} ghi trong gói không hợp lệ").format(
            n=name, s=sender))
    for c in cells:
        if c[4] > counter:
            raise BundleError(_("{n}: thay đổi {t}/{pk} mang dấu thời gian sau đồng hồ của chính "
                                "{s} lúc ghi gói (gói giả hoặc hỏng)").format(
                n=name, t=c[0], pk=c[1], s=sender))
    sender_ms = unpack(counter)[0]
    reference = max(now_ms, FLOOR_MS)
    ahead = sender_ms - reference
    if ahead > MAX_AHEAD_MS or sender_ms >= CEILING_MS:
        raise BundleError(_("{n}: đồng hồ của {s} đi trước máy này {d} (quá {m} năm cho phép); "
                            "gói bị từ chối — hãy chỉnh ngày giờ ở {s} và kiểm tra máy này").format(
            n=name, s=sender, d=describe_skew(ahead), m=MAX_AHEAD_MS // YEAR_MS))
    if sender_ms - now_ms > WARN_AHEAD_MS:
        return [_("Đồng hồ của {s} đi trước máy này {d}; các thay đổi sau này sẽ mang thời "
                  "gian đó — hãy kiểm tra ngày giờ ở cả hai máy").format(
            s=sender, d=describe_skew(sender_ms - now_ms))]
    sent = manifest.get("created_wall_ms")
    if type(sent) is int and abs(now_ms - sent) > WARN_AHEAD_MS:
        return [_("Đồng hồ của máy gửi ({s}) hoặc của máy này lệch khoảng {d}; hãy kiểm tra "
                  "ngày giờ").format(s=sender, d=describe_skew(abs(now_ms - sent)))]
    return []


def check_sequences(name: str, sender: str, here: str,
                    own: Mapping[tuple[str, str], int],
                    sender_vector: Mapping[tuple[str, str], int],
                    cells: Iterable[Cell]) -> None:
    """Refuse sequence numbers that would overflow, and claims on this site's own changes
    beyond those it has made (``own``: this site's version vector)."""
    for (origin, part), seq in sender_vector.items():
        if seq >= MAX_SEQ:
            raise BundleError(_("{n}: vector phiên bản của {s} không hợp lệ ({o}/{p}: {q})")
                              .format(n=name, s=sender, o=origin, p=part, q=seq))
        if origin == here and seq > own.get((origin, part), 0):
            raise BundleError(_("{n}: {s} nói đã có {q} thay đổi của điểm này ở phân vùng {p}, "
                                "nhưng điểm này mới ghi {k} (gói giả, hoặc cơ sở dữ liệu này "
                                "bị chép đè bằng bản cũ?)").format(
                n=name, s=sender, q=seq, p=part, k=own.get((origin, part), 0)))
    for c in cells:
        if c[7] >= MAX_SEQ:
            raise BundleError(_("{n}: thay đổi {t}/{pk} có số thứ tự không hợp lệ").format(
                n=name, t=c[0], pk=c[1]))
        if c[5] == here and c[7] > own.get((here, c[6]), 0):
            raise BundleError(_("{n}: thay đổi {t}/{pk} mang tên điểm này nhưng điểm này chưa "
                                "từng ghi nó (gói giả)").format(n=name, t=c[0], pk=c[1]))
