"""Inline SVG charts: well-formed, drawn to scale, colours from the exact quota status."""

import xml.etree.ElementTree as ET

from attribution.reporting.pages import svg

NS = "{http://www.w3.org/2000/svg}"


def _rects(markup):
    root = ET.fromstring(markup)
    return root, [r for r in root.iter(NS + "rect")]


def test_bar_chart_is_to_scale():
    """Bars are proportional to values; the largest spans the plot width."""
    root, rects = _rects(svg.bar_chart("t", ["a", "b", "c"], {"n": [2, 4, 0]},
                                       label_width=100, width=400))
    widths = [float(r.get("width")) for r in rects]
    plot = 400 - 100 - 60
    assert widths == [plot / 2, plot, 0.0]
    assert root.find(NS + "title").text == "t"


def test_grouped_bars_have_a_legend_and_escape_labels():
    """Two series give two bars per label and a legend; '<' in a label is escaped."""
    markup = svg.bar_chart("t", ["x<y"], {"s1": [1], "s2": [3]})
    root, rects = _rects(markup)
    assert len(rects) == 2 + 2          # two bars, two legend swatches
    assert "x&lt;y" in markup


def test_target_chart_colours_follow_the_exact_status():
    """Colour comes from the caller's exact 'ok', not from comparing rounded floats."""
    markup = svg.target_chart("q", [("a", 0.6667, None, 0.66667, True),
                                    ("b", 0.20, 0.25, None, False)])
    _, rects = _rects(markup)
    bars = [r.get("fill") for r in rects if r.get("fill") != "#e8e8e8"]
    assert bars == ["#009E73", "#D55E00"]


def test_histogram_parses_and_counts_each_series():
    """The legend reports the size of each series."""
    markup = svg.histogram("h", {"housed": [1, 2, 3], "others": [5, 5]}, bins=4)
    ET.fromstring(markup)
    assert "housed (n=3)" in markup and "others (n=2)" in markup
    assert markup.count("<polyline") == 2
