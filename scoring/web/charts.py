"""Charts as inline SVG, drawn on the server: no script, no external file, no network.

Pure functions return the ``<svg>`` element as :class:`markupsafe.Markup`, ready to put
in a template with ``{{ chart }}``:

- :func:`trend_chart`: one value per month (or any ordered label) as a line with dots; a month
  without a value leaves a gap. E.g. the rating or the incentive over the last 12 months.
- :func:`interval_chart`: a point with its low and high whiskers per row, e.g. a team's rating
  with its uncertainty (few surveys: a wide interval).
- :func:`histogram`: how many values fall in each of a few equal bins.
- :func:`change_histogram`: how many installers' pay a simulated plan changes by how much, in
  bands given by the caller (falls red, the unchanged grey, rises green).

Every text (titles, labels, value texts) is escaped here; the caller passes plain text. Values
are numbers for drawing only (pixel positions); what a value *says* comes from ``value_text``
(e.g. money formatted from integer fen), so no amount is ever computed from a float. The SVG
scales to the width of its container (``viewBox``, CSS ``.chart``), so one drawing fits a
phone and a desktop; ``<title>`` elements give each dot its value on hover and to screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

Number = int | float
ValueText = Callable[[Number], str]

#: The drawing's own width: about a phone's, so that its 12 px text stays readable when the
#: SVG is scaled to the screen (a desktop shows it a little larger).
WIDTH = 360
FONT = 12
COLOURS = ("#0b5cad", "#0a7a2f", "#b00020", "#8a5a00")
GRID = "#e3e3e3"
AXIS = "#6b6b6b"


def _num(value: float) -> str:
    """A coordinate: one decimal, no ``-0.0``."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _plain(value: Number) -> str:
    return f"{value:g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``low``..``high`` (1, 2, 2.5 or 5 × 10^k)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("ticks need finite bounds")
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-6:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high - step * 1e-6:
        ticks.append(round(value, 10))
    return ticks


def _svg(width: int, height: int, title: str, body: list[str], css: str = "chart") -> Markup:
    head = (
        f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-size="{FONT}" '
        f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _empty(title: str, message: str, width: int = WIDTH, height: int = 120) -> Markup:
    return _svg(
        width,
        height,
        title,
        [
            f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" '
            f'stroke="{GRID}"/>',
            f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" '
            f'dominant-baseline="middle" fill="{AXIS}">{escape(message)}</text>',
        ],
        "chart empty",
    )


@dataclass(frozen=True)
class _Frame:
    """The plotting area inside the margins, and a y scale over ``ticks``."""

    left: float
    top: float
    width: float
    height: float
    ticks: list[float]

    @property
    def low(self) -> float:
        return self.ticks[0]

    @property
    def high(self) -> float:
        return self.ticks[-1]

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        return self.top + self.height - (value - self.low) / span * self.height

    def grid(self, text: ValueText) -> list[str]:
        right = self.left + self.width
        out = []
        for tick in self.ticks:
            y = self.y(tick)
            out.append(
                f'<line x1="{_num(self.left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
                f'stroke="{GRID}"/>'
                f'<text x="{_num(self.left - 6)}" y="{_num(y)}" text-anchor="end" '
                f'dominant-baseline="middle" fill="{AXIS}">{escape(text(tick))}</text>'
            )
        return out


def trend_chart(
    points: Sequence[tuple[str, Number | None]],
    *,
    title: str,
    value_text: ValueText = _plain,
    axis_text: ValueText | None = None,
    low: Number | None = None,
    high: Number | None = None,
    empty_text: str = "—",
    width: int = WIDTH,
    height: int = 200,
) -> Markup:
    """A line over ordered labels (months), a dot and a hover text per value; ``None`` is a
    gap. ``low``/``high`` widen the y axis (e.g. ratings 1 to 5); the axis always covers the
    values. ``value_text`` writes a value (dots, the last value), ``axis_text`` the ticks."""
    given = [float(v) for _, v in points if v is not None]
    if not given:
        return _empty(title, empty_text, width)
    bottom = min([*given, *([float(low)] if low is not None else [])])
    top_value = max([*given, *([float(high)] if high is not None else [])])
    ticks = nice_ticks(bottom, top_value)
    tick_text = axis_text or value_text
    left = max(40.0, 8.0 + 7.5 * max(len(tick_text(t)) for t in ticks))
    frame = _Frame(left=left, top=16, width=width - left - 16, height=height - 16 - 34, ticks=ticks)
    n = len(points)
    step = frame.width / max(n - 1, 1)

    def x(i: int) -> float:
        return frame.left + (i * step if n > 1 else frame.width / 2)

    body = frame.grid(tick_text)
    # Labels: every one when they fit, else every second (always the last).
    every = 1 if step >= 34 else 2
    baseline = frame.top + frame.height + 20
    for i, (label, _) in enumerate(points):
        if (n - 1 - i) % every == 0:
            body.append(
                f'<text x="{_num(x(i))}" y="{_num(baseline)}" text-anchor="middle" '
                f'fill="{AXIS}">{escape(label)}</text>'
            )
    runs: list[list[tuple[float, float]]] = [[]]
    for i, (_, value) in enumerate(points):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x(i), frame.y(float(value))))
    colour = COLOURS[0]
    for run in runs:
        if len(run) > 1:
            coords = " ".join(f"{_num(px)},{_num(py)}" for px, py in run)
            body.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5" '
                'stroke-linejoin="round"/>'
            )
    last = max(i for i, (_, v) in enumerate(points) if v is not None)
    for i, (label, value) in enumerate(points):
        if value is None:
            continue
        px, py = x(i), frame.y(float(value))
        body.append(
            f'<circle cx="{_num(px)}" cy="{_num(py)}" r="4" fill="{colour}">'
            f"<title>{escape(label)}: {escape(value_text(value))}</title></circle>"
        )
        if i == last:
            # Beside the dot, away from the line that comes to it: below when it falls.
            before = [v for _, v in points[:i] if v is not None]
            falling = bool(before) and float(before[-1]) > float(value)
            near_right = px > frame.left + frame.width * 0.8
            anchor = "end" if near_right else "middle"
            label_x, label_y = (px - 6 if near_right else px), py - 9
            if falling and py + 17 < frame.top + frame.height:
                label_y = py + 17
            elif falling or label_y < FONT:  # at the bottom or the top: level, to the left
                anchor, label_x, label_y = "end", px - 9, py + 4
            body.append(
                f'<text x="{_num(label_x)}" y="{_num(label_y)}" text-anchor="{anchor}" '
                f'font-weight="600" fill="{colour}">{escape(value_text(value))}</text>'
            )
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Interval:
    """A row of :func:`interval_chart`: ``value`` between ``low`` and ``high``."""

    label: str
    value: Number
    low: Number
    high: Number
    #: Shown after the label, e.g. "34 份回访" (how much the interval rests on).
    note: str = ""


def interval_chart(
    rows: Sequence[Interval],
    *,
    title: str,
    value_text: ValueText = _plain,
    low: Number | None = None,
    high: Number | None = None,
    empty_text: str = "—",
    width: int = WIDTH,
) -> Markup:
    """One row per item: its label (and note) above a whisker from ``low`` to ``high`` with
    a dot at ``value``; a shared axis at the bottom. Rows are drawn in the order given."""
    if not rows:
        return _empty(title, empty_text, width)
    for row in rows:
        if not row.low <= row.value <= row.high:
            raise ValueError(f"{row.label}: value {row.value} is outside {row.low}..{row.high}")
    bottom = min([float(r.low) for r in rows] + ([float(low)] if low is not None else []))
    top_value = max([float(r.high) for r in rows] + ([float(high)] if high is not None else []))
    ticks = nice_ticks(bottom, top_value)
    left, right_pad, row_height, top = 12.0, 16.0, 40.0, 8.0
    plot_width = width - left - right_pad
    span = (ticks[-1] - ticks[0]) or 1.0

    def x(value: float) -> float:
        return left + (value - ticks[0]) / span * plot_width

    height = int(top + row_height * len(rows) + 30)
    axis_y = top + row_height * len(rows)
    body = []
    for tick in ticks:
        px = x(tick)
        body.append(
            f'<line x1="{_num(px)}" y1="{_num(top)}" x2="{_num(px)}" y2="{_num(axis_y)}" '
            f'stroke="{GRID}"/>'
            f'<text x="{_num(px)}" y="{_num(axis_y + 18)}" text-anchor="middle" '
            f'fill="{AXIS}">{escape(value_text(tick))}</text>'
        )
    for i, row in enumerate(rows):
        label_y = top + row_height * i + 14
        line_y = label_y + 13
        x_low, x_high, x_value = x(float(row.low)), x(float(row.high)), x(float(row.value))
        note = f' <tspan fill="{AXIS}">{escape(row.note)}</tspan>' if row.note else ""
        hover = (
            f"{escape(row.label)}: {escape(value_text(row.value))} "
            f"({escape(value_text(row.low))}–{escape(value_text(row.high))})"
        )
        body.append(
            f'<text x="{_num(left)}" y="{_num(label_y)}">{escape(row.label)}{note}</text>'
            f'<line x1="{_num(x_low)}" y1="{_num(line_y)}" x2="{_num(x_high)}" '
            f'y2="{_num(line_y)}" stroke="{COLOURS[0]}" stroke-width="2"/>'
            f'<line x1="{_num(x_low)}" y1="{_num(line_y - 5)}" x2="{_num(x_low)}" '
            f'y2="{_num(line_y + 5)}" stroke="{COLOURS[0]}" stroke-width="2"/>'
            f'<line x1="{_num(x_high)}" y1="{_num(line_y - 5)}" x2="{_num(x_high)}" '
            f'y2="{_num(line_y + 5)}" stroke="{COLOURS[0]}" stroke-width="2"/>'
            f'<circle cx="{_num(x_value)}" cy="{_num(line_y)}" r="5" fill="{COLOURS[0]}">'
            f"<title>{hover}</title></circle>"
        )
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


def _nearest_round_step(raw: float) -> float:
    """The round step (1, 2, 2.5 or 5 × 10^k) nearest to ``raw``."""
    power = 10 ** math.floor(math.log10(raw))
    return min((m * power for m in (1, 2, 2.5, 5, 10)), key=lambda s: abs(math.log(s / raw)))


def bins_of(values: Sequence[Number], count: int = 10) -> list[Bin]:
    """``values`` counted in about ``count`` equal bins with round edges covering them (a
    value on an inner edge falls in the bin above it, the maximum in the last bin); one bin
    when every value is the same; none for no values."""
    if count < 1:
        raise ValueError("a histogram needs at least one bin")
    if not values:
        return []
    low, high = float(min(values)), float(max(values))
    if low == high:
        return [Bin(low, high, len(values))]
    step = _nearest_round_step((high - low) / count)
    start = math.floor(low / step + 1e-9) * step
    n = max(1, math.ceil((high - start) / step - 1e-9))
    if start + n * step < high:
        n += 1
    counts = [0] * n
    for value in values:
        counts[min(int((float(value) - start) / step + 1e-9), n - 1)] += 1
    return [Bin(start + i * step, start + (i + 1) * step, c) for i, c in enumerate(counts)]


def histogram(
    values: Sequence[Number],
    *,
    title: str,
    bins: int = 10,
    value_text: ValueText = _plain,
    count_text: Callable[[int], str] = str,
    empty_text: str = "—",
    width: int = WIDTH,
    height: int = 220,
) -> Markup:
    """Bars: how many ``values`` fall in each of ``bins`` equal ranges; edges on the x axis
    written by ``value_text``, counts above the bars by ``count_text``."""
    found = bins_of(values, bins)
    if not found:
        return _empty(title, empty_text, width)
    most = max(b.count for b in found)
    ticks = nice_ticks(0, float(most))
    left = max(36.0, 8.0 + 7.5 * max(len(count_text(int(t))) for t in ticks))
    frame = _Frame(left=left, top=18, width=width - left - 16, height=height - 18 - 34, ticks=ticks)
    body = frame.grid(lambda t: count_text(int(t)) if float(t).is_integer() else "")
    slot = frame.width / len(found)
    baseline = frame.top + frame.height
    for i, b in enumerate(found):
        x0 = frame.left + i * slot + 1
        y0 = frame.y(float(b.count))
        hover = (
            f"{escape(value_text(b.low))} – {escape(value_text(b.high))}: "
            f"{escape(count_text(b.count))}"
        )
        body.append(
            f'<rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(max(slot - 2, 1))}" '
            f'height="{_num(baseline - y0)}" fill="{COLOURS[0]}"><title>{hover}</title></rect>'
        )
        if b.count:
            body.append(
                f'<text x="{_num(x0 + slot / 2 - 1)}" y="{_num(y0 - 4)}" text-anchor="middle" '
                f'fill="{AXIS}">{escape(count_text(b.count))}</text>'
            )
    if len(found) == 1:
        labels = [(frame.left + slot / 2, found[0].low, "middle")]
    else:
        edges = [found[0].low] + [b.high for b in found]
        every = max(1, math.ceil(len(edges) * 70 / frame.width))
        last = len(edges) - 1
        labels = [
            (frame.left + i * slot, edge, "end" if i == last else "middle")
            for i, edge in enumerate(edges)
            if i % every == 0
        ]
    for px, edge, anchor in labels:
        body.append(
            f'<text x="{_num(px)}" y="{_num(baseline + 20)}" text-anchor="{anchor}" '
            f'fill="{AXIS}">{escape(value_text(edge))}</text>'
        )
    return _svg(width, height, title, body)


def bar_chart(
    bars: Sequence[tuple[str, int]],
    *,
    title: str,
    count_text: Callable[[int], str] = str,
    empty_text: str = "—",
    width: int = WIDTH,
    height: int = 200,
) -> Markup:
    """One bar per named category (e.g. how many installers have each grade), in the order
    given, its count above it and its name below."""
    if not bars or not any(count for _, count in bars):
        return _empty(title, empty_text, width)
    most = max(count for _, count in bars)
    ticks = nice_ticks(0, float(most))
    left = max(36.0, 8.0 + 7.5 * max(len(count_text(int(t))) for t in ticks))
    frame = _Frame(left=left, top=18, width=width - left - 16, height=height - 18 - 34, ticks=ticks)
    body = frame.grid(lambda t: count_text(int(t)) if float(t).is_integer() else "")
    slot = frame.width / len(bars)
    bar = min(slot * 0.7, 56.0)
    baseline = frame.top + frame.height
    for i, (label, count) in enumerate(bars):
        middle = frame.left + slot * (i + 0.5)
        y0 = frame.y(float(count))
        body.append(
            f'<rect x="{_num(middle - bar / 2)}" y="{_num(y0)}" width="{_num(bar)}" '
            f'height="{_num(baseline - y0)}" fill="{COLOURS[0]}">'
            f"<title>{escape(label)}: {escape(count_text(count))}</title></rect>"
            f'<text x="{_num(middle)}" y="{_num(y0 - 4)}" text-anchor="middle" '
            f'fill="{AXIS}">{escape(count_text(count))}</text>'
            f'<text x="{_num(middle)}" y="{_num(baseline + 20)}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return _svg(width, height, title, body)


UNCHANGED = "#9a9a9a"


def change_histogram(
    bands: Sequence[tuple[Number, Number, int]],
    *,
    unchanged: int,
    title: str,
    value_text: ValueText = _plain,
    zero_text: str = "0",
    count_text: Callable[[int], str] = str,
    empty_text: str = "—",
    width: int = WIDTH,
    height: int = 230,
) -> Markup:
    """How many installers' pay changes by how much: one bar per band ``(low, high, count)``
    of changes (``[low, high)``, none of them zero), those that fall in red, left of a grey
    bar of the ``unchanged`` (when there are any) under ``zero_text``, those that rise in green
    right of it. The x axis gives the bands' edges where they have room; the count of each bar
    is above it."""
    if not unchanged and not any(count for _, _, count in bands):
        return _empty(title, empty_text, width)
    # (colour, count, hover text, the low edge's value or None for the unchanged)
    slots: list[tuple[str, int, str, Number | None]] = []
    for low, high, count in bands:
        if low >= 0 and unchanged and not any(s[3] is None for s in slots):
            slots.append((UNCHANGED, unchanged, zero_text, None))
        colour = COLOURS[2] if low < 0 else COLOURS[1]
        slots.append((colour, count, f"{value_text(low)} – {value_text(high)}", low))
    if unchanged and not any(s[3] is None for s in slots):
        slots.append((UNCHANGED, unchanged, zero_text, None))
    most = max(count for _, count, _, _ in slots)
    ticks = nice_ticks(0, float(max(most, 1)))
    left = max(36.0, 8.0 + 7.5 * max(len(count_text(int(t))) for t in ticks))
    frame = _Frame(left=left, top=18, width=width - left - 16, height=height - 18 - 34, ticks=ticks)
    body = frame.grid(lambda t: count_text(int(t)) if float(t).is_integer() else "")
    slot = frame.width / len(slots)
    baseline = frame.top + frame.height
    # Axis labels: the unchanged bar's name first, then the outer edges, then the other edges
    # (each band's low edge at its left) wherever they do not touch a label already placed.
    first: list[tuple[float, str]] = []
    others: list[tuple[float, str]] = []
    for i, (colour, count, hover, edge) in enumerate(slots):
        x0 = frame.left + i * slot + 1
        y0 = frame.y(float(count))
        body.append(
            f'<rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(max(slot - 2, 1))}" '
            f'height="{_num(baseline - y0)}" fill="{colour}">'
            f"<title>{escape(hover)}: {escape(count_text(count))}</title></rect>"
        )
        if count:
            body.append(
                f'<text x="{_num(x0 + slot / 2 - 1)}" y="{_num(y0 - 4)}" text-anchor="middle" '
                f'fill="{AXIS}">{escape(count_text(count))}</text>'
            )
        if edge is None:
            first.insert(0, (frame.left + (i + 0.5) * slot, zero_text))
        elif i == 0:
            first.append((frame.left, value_text(edge)))
        else:
            others.append((frame.left + i * slot, value_text(edge)))
    last_band = bands[-1] if bands else None
    if last_band is not None and slots[-1][3] is not None:
        first.append((frame.left + frame.width, value_text(last_band[1])))
    placed: list[tuple[float, str]] = []
    for x, text in first + others:
        if all(abs(x - px) >= 8.0 + 3.6 * (len(text) + len(pt)) for px, pt in placed):
            placed.append((x, text))
    for x, text in placed:
        half = 3.6 * len(text)
        anchor = "end" if x + half > width - 2 else "start" if x - half < 2 else "middle"
        body.append(
            f'<text x="{_num(x)}" y="{_num(baseline + 20)}" text-anchor="{anchor}" '
            f'fill="{AXIS}">{escape(text)}</text>'
        )
    return _svg(width, height, title, body)
