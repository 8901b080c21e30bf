"""The bar chart of named categories (the grades of a period): well formed, escaped, bars in
the order given with heights by count, empty data handled."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scoring.web.charts import bar_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script>&"


def test_bars_in_order_with_their_counts() -> None:
    root = ET.fromstring(str(bar_chart([("A", 4), ("B", 8), ("未评级", 2)], title="等级")))
    bars = list(root.iter(f"{SVG}rect"))
    assert len(bars) == 3
    heights = [float(b.attrib["height"]) for b in bars]
    assert heights[1] > heights[0] > heights[2] > 0
    assert abs(heights[0] * 2 - heights[1]) < 0.5  # proportional to the counts
    xs = [float(b.attrib["x"]) for b in bars]
    assert xs == sorted(xs)  # in the order given
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "未评级" in texts and "8" in texts
    assert [t.text for t in bars[0].iter(f"{SVG}title")] == ["A: 4"]


def test_labels_are_escaped_and_nothing_is_drawn_for_no_data() -> None:
    drawn = str(bar_chart([(HOSTILE, 1)], title=HOSTILE))
    assert "<script>" not in drawn
    ET.fromstring(drawn)
    for empty in ([], [("A", 0)]):
        chart = str(bar_chart(empty, title="等级", empty_text="暂无"))
        assert "暂无" in chart and "<rect" in chart and "chart empty" in chart
