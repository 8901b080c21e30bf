"""Server-drawn SVG charts: well-formed, escaped, axes that cover the data, empty data handled."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from scoring.web.charts import (
    Interval,
    bins_of,
    histogram,
    interval_chart,
    nice_ticks,
    trend_chart,
)

HOSTILE = "<script>alert('x')</script>&"
SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ET.Element:
    """The chart as XML: it must be well formed (no stray markup from a label)."""
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (3.2, 4.9), (-120, 450), (0, 0), (4.35, 4.35), (1e6, 3e6)]
)
def test_ticks_are_round_and_cover_the_range(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1  # evenly spaced
    step = steps.pop()
    assert round(step / 10 ** math.floor(math.log10(step)), 6) in (1, 2, 2.5, 5)


def test_a_trend_has_a_dot_per_value_and_a_gap_where_none() -> None:
    points = [("6月", 4.5), ("7月", 4.0), ("8月", None), ("9月", 4.49), ("10月", 4.6)]
    root = parsed(trend_chart(points, title="评分", value_text=lambda v: f"{v:.2f}"))
    assert root.get("viewBox", "").startswith("0 0 ")
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    assert len(list(root.iter(f"{SVG}polyline"))) == 2  # the gap splits the line
    labels = texts(root)
    assert {"6月", "10月"} <= set(labels)
    assert "4.60" in labels  # the last value is written beside its dot
    hovers = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    assert hovers[0] == "评分" and "7月: 4.00" in hovers


def test_the_y_axis_covers_the_values_and_the_given_bounds() -> None:
    root = parsed(trend_chart([("a", 120), ("b", -30)], title="t", low=-50, high=200))
    ticks = [float(t) for t in texts(root) if re.fullmatch(r"-?[\d.]+", t)]
    assert min(ticks) <= -50 and max(ticks) >= 200


def test_labels_and_titles_are_escaped() -> None:
    chart = trend_chart([(HOSTILE, 1), ("b", 2)], title=HOSTILE, value_text=lambda v: HOSTILE)
    assert "<script>" not in str(chart) and "&lt;script&gt;" in str(chart)
    root = parsed(chart)
    assert HOSTILE in texts(root)
    rows = [Interval(HOSTILE, 4.2, 3.9, 4.5, note=HOSTILE)]
    assert "<script>" not in str(interval_chart(rows, title=HOSTILE))
    assert "<script>" not in str(histogram([1, 2], title=HOSTILE, value_text=lambda v: HOSTILE))
    parsed(interval_chart(rows, title=HOSTILE))


def test_no_data_draws_a_frame_with_a_message() -> None:
    for chart in (
        trend_chart([], title="t", empty_text="暂无数据"),
        trend_chart([("6月", None), ("7月", None)], title="t", empty_text="暂无数据"),
        interval_chart([], title="t", empty_text="暂无数据"),
        histogram([], title="t", empty_text="暂无数据"),
    ):
        root = parsed(chart)
        assert texts(root) == ["暂无数据"]
        assert "empty" in root.get("class", "")


def test_a_single_value_is_drawn_in_the_middle() -> None:
    root = parsed(trend_chart([("10月", 6.0)], title="t"))
    (dot,) = root.iter(f"{SVG}circle")
    width = float(root.get("viewBox", "").split()[2])
    assert abs(float(dot.get("cx", "0")) - width / 2) < width * 0.2


def test_intervals_have_whiskers_around_the_point() -> None:
    rows = [
        Interval("自有一队", 4.52, 4.40, 4.61, note="120 份"),
        Interval("速装服务部", 4.1, 3.2, 4.8, note="6 份"),
    ]
    root = parsed(interval_chart(rows, title="团队评分", value_text=lambda v: f"{v:.1f}"))
    dots = list(root.iter(f"{SVG}circle"))
    assert len(dots) == 2
    lines = [
        (float(x.get("x1", 0)), float(x.get("x2", 0)))
        for x in root.iter(f"{SVG}line")
        if x.get("stroke") != "#e3e3e3"
    ]
    spans = sorted(abs(b - a) for a, b in lines if a != b)
    assert spans[-1] > spans[0] * 3  # the team with few surveys has the wider interval
    assert any("120 份" in t for t in texts(root))
    with pytest.raises(ValueError, match="outside"):
        interval_chart([Interval("x", 5, 1, 4)], title="t")


def test_bins_count_every_value_once() -> None:
    values = [-3000, -1000, 0, 0, 500, 2500, 9999]
    found = bins_of(values, 5)
    assert 4 <= len(found) <= 8 and sum(b.count for b in found) == len(values)
    assert [b.low for b in found[:3]] == [-5000, -2500, 0]  # round edges
    assert found[0].low <= -3000 and found[-1].high >= 9999
    assert found[-1].count >= 1  # the maximum falls in the last bin, not past it
    assert [b.count for b in bins_of([0, 10, 20, 30, 40], 4)] == [1, 1, 1, 2]
    assert bins_of([7, 7, 7], 4) == [bins_of([7], 1)[0].__class__(7.0, 7.0, 3)]
    assert bins_of([], 3) == []
    with pytest.raises(ValueError):
        bins_of([1], 0)


def test_a_histogram_has_a_bar_per_bin_with_its_count() -> None:
    values = [1, 11, 11, 21, 21, 21, 31, 31, 31, 31]
    found = bins_of(values, 4)
    assert [b.count for b in found] == [1, 2, 3, 4]
    root = parsed(histogram(values, title="变化", bins=4, count_text=lambda n: f"{n}人"))
    bars = list(root.iter(f"{SVG}rect"))
    assert len(bars) == 4
    heights = [float(b.get("height", 0)) for b in bars]
    assert heights == sorted(heights) and heights[0] < heights[-1]
    assert {"1人", "2人", "3人", "4人"} <= set(texts(root))
