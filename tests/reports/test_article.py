"""`antq report --article` on `antq demo --article` reproduces every figure of the source
article (Báo Điện Biên Phủ, 09/07/2023, "Hiệu quả phong trào «Toàn dân bảo vệ an ninh Tổ
quốc»"), read against it line by line; the PDF prints the same sentences, fonts embedded."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from desktop import cli

# The article's sentences that carry a figure, and the figure as the data must give it.
ARTICLE = (
    "Đến nay toàn tỉnh đã nhân rộng 30 mô hình điển hình và tiếp tục củng cố, duy trì có hiệu "
    "quả gần 4.400 tổ chức quần chúng bảo vệ an ninh trật tự ở cơ sở với 44 loại mô hình",
    "người dân trên địa bàn thành phố lắp gần 5.000 hệ thống camera an ninh giám sát",
    "hàng năm trên 80% cơ quan, doanh nghiệp, cơ sở giáo dục đạt tiêu chuẩn “An toàn về ANTT” "
    "và được đánh giá, phân loại đạt khá trở lên",
    "từ năm 2020 đến nay, quần chúng Nhân dân đã cung cấp cho lực lượng công an hàng nghìn "
    "nguồn tin có giá trị, giúp lực lượng công an điều tra khám phá, làm rõ 405 vụ phạm tội về "
    "trật tự xã hội, trong đó điều tra làm rõ 40 vụ tội phạm rất nghiêm trọng và đặc biệt "
    "nghiêm trọng",
    "năm 2021 giảm 22,5% so với năm 2020; năm 2022 giảm 24,5% so với năm 2021; quý I/2023 giảm "
    "37,2% so với cùng kỳ 2022",
    "đã phát hiện, bắt giữ 3.122 vụ với 3.526 đối tượng phạm tội về ma túy",
)


@pytest.fixture(scope="module")
def article_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("article") / "bai-bao.db"
    assert cli.main(["demo", "--article", "--db", str(path)]) == 0
    return path


def report(path: Path, capsys, *extra: str) -> dict:
    capsys.readouterr()
    assert cli.main(["report", "--article", "--unit", "11", "--period", "2020..2023-Q1",
                     "--json", "--db", str(path), *extra]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_the_article_figure_by_figure(article_db, capsys):
    d = report(article_db, capsys)
    assert d["period"]["start"] == "2020-01-01" and d["period"]["end"] == "2023-03-31"
    # "nhân rộng 30 mô hình", "gần 4.400 tổ chức", "44 loại mô hình"
    assert d["models_replicated"] == 30 and d["model_types"] == 44
    assert 4300 < d["organizations"] <= 4400
    # "gần 5.000 hệ thống camera" in one city (a ward since 2025)
    assert 4900 < d["camera_top"]["systems"] <= 5000
    assert d["camera_top"]["name"] == "Phường Điện Biên Phủ"
    # "hàng năm trên 80%" An toàn and khá or better
    assert d["safety_years"] and all(s["percent"] > 80 for s in d["safety_years"])
    # "hàng nghìn nguồn tin có giá trị", "405 vụ", "40 vụ"
    assert 1000 <= d["valuable_tips"] < 10000
    assert (d["cases_solved"], d["serious_solved"]) == (405, 40)
    # "năm 2021 giảm 22,5% …; năm 2022 giảm 24,5% …; quý I/2023 giảm 37,2% so với cùng kỳ 2022"
    steps = [(s["label"], s["against"], s["percent"]) for s in d["crime_steps"]]
    assert steps == [("năm 2021", "năm 2020", -22.5), ("năm 2022", "năm 2021", -24.5),
                     ("quý I/2023", "cùng kỳ 2022", -37.2)]
    # "3.122 vụ với 3.526 đối tượng phạm tội về ma túy"
    assert (d["drug_cases"], d["drug_offenders"]) == (3122, 3526)

    # Line by line: each exact figure of the article is in the report's sentence.
    text = " ".join(d["sentences"])
    for exact in ("nhân rộng 30 mô hình", "44 loại mô hình", "làm rõ 405 vụ",
                  "làm rõ 40 vụ tội phạm rất nghiêm trọng",
                  "năm 2021 giảm 22,5% so với năm 2020", "năm 2022 giảm 24,5% so với năm 2021",
                  "quý I/2023 giảm 37,2% so với cùng kỳ 2022", "bắt giữ 3.122 vụ với 3.526 đối"
                  " tượng phạm tội về ma túy"):
        assert exact in text, exact
        assert any(exact.split()[-1] in line for line in ARTICLE)


def test_the_article_as_a_pdf(article_db, tmp_path, capsys):
    out = tmp_path / "bai-bao.pdf"
    capsys.readouterr()
    assert cli.main(["print", "report", "--article", "--unit", "11", "--period",
                     "2020..2023-Q1", "--out", str(out), "--db", str(article_db)]) == 0
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for words in ("nhân rộng 30 mô hình", "405 vụ", "giảm 37,2%", "3.122 vụ", "4.970"):
        assert words in text, words
    fonts = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-4] == "yes" for line in fonts), fonts
