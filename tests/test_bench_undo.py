"""bench_undo's verdict on the journal's goal (tests/benchmarks, run on demand): the median of
the paired ratios with the interval that holds it at 95 % whatever their distribution."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))

import bench_undo  # noqa: E402


def test_the_interval_of_the_median_is_the_sign_tests_order_statistics() -> None:
    # 12 pairs: the 3rd and 10th ratio (1 - 2 P(Bin(12, 1/2) <= 2) = 0.961 >= 0.95; leaving
    # out 3 at each end would be 0.854); 16 pairs: the 4th and 13th (0.979).
    lo, hi, sure = bench_undo._median_ci([float(i) for i in range(12, 0, -1)])
    assert (lo, hi) == (3.0, 10.0) and round(sure, 3) == 0.961
    lo, hi, sure = bench_undo._median_ci([float(i) for i in range(1, 17)])
    assert (lo, hi) == (4.0, 13.0) and round(sure, 3) == 0.979
    # Too few pairs for any narrower interval: min and max, less sure than 95 %.
    lo, hi, sure = bench_undo._median_ci([1.3, 1.0, 1.1, 1.2, 0.9])
    assert (lo, hi) == (0.9, 1.3) and sure == 1 - 2 / 32
    assert bench_undo._median_ci([1.1, 1.0, 1.2])[2] == 0.75


def test_the_interval_holds_the_true_median_about_95_times_in_100() -> None:
    rng = random.Random(14)
    n, held = 16, 0
    for _ in range(4000):
        lo, hi, _sure = bench_undo._median_ci([rng.lognormvariate(0.05, 0.15)
                                               for _ in range(n)])
        held += lo <= math.exp(0.05) <= hi
    assert 0.96 <= held / 4000 <= 0.995  # 0.979 by the binomial


def test_the_verdict_is_ok_or_over_only_when_the_whole_interval_says_so() -> None:
    assert bench_undo._verdict(0.98, 1.08, 0.96) == "OK"
    assert bench_undo._verdict(1.12, 1.30, 0.96) == "OVER"
    assert bench_undo._verdict(1.02, 1.14, 0.96).startswith("not settled")
    assert bench_undo._verdict(1.03, 1.08, 0.75).startswith("not settled")  # 3 pairs
