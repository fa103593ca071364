"""Documents made at the same time in several threads (the window makes each report off the
UI thread, and an officer may ask for two in a row) come out whole: reportlab's fonts are
shared by every document, so their layout must not overlap."""

from __future__ import annotations

import random
import sys
import threading

from reportlab.platypus import Paragraph

from desktop.reports import page

WORDS = ["Nguyễn", "Thị", "Hoà", "Lò", "Văn", "Páo", "Giàng", "Seo", "Đặng", "Quỳnh", "Mường",
         "Nhé", "Điện", "Biên", "Phủ", "Ẳng", "Tủa", "Chùa", "Xín", "Chải"]


LETTERS = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợ"
           "pqrstuùủũúụưừửữứựvxyỳỷỹýỵ")


def _document(i: int) -> bytes:
    """Pages whose glyphs each document meets in its own order (the font's subsets grow
    while another document is being written out)."""
    rng = random.Random(i)
    letters = list(LETTERS + LETTERS.upper() + "0123456789")
    rng.shuffle(letters)
    text = " ".join("".join(letters[k:k + 7]) for k in range(0, len(letters), 7))
    story = [Paragraph(f"{text} {' '.join(rng.sample(WORDS, 10))}", page.styles()["body"])
             for _ in range(20)]
    return page.build(story, title=f"Thử {i}")


def test_documents_laid_out_in_several_threads_at_once_come_out_whole():
    made: dict[int, bytes] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def work(n: int) -> None:
        start.wait()
        try:
            for k in range(4):
                made[n * 10 + k] = _document(n * 10 + k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the threads take turns often, as under a busy window
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert not errors, errors
    assert len(made) == 24
    assert all(pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
               for pdf in made.values())
