"""Inline SVG chart of Monte-Carlo estimates: a mean and its confidence interval per row
and scenario, with an optional target line. Bars and bullet charts come from
:mod:`reporting.svg` (same palette, same font), so the pages look alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from attribution.reporting.svg import PALETTE

_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'


def _legend(names: Sequence[str], x: float, y: float) -> str:
    return "".join(f'<rect x="{x:.1f}" y="{y + 16 * k:.1f}" width="10" height="10" '
                   f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{x + 14:.1f}" '
                   f'y="{y + 16 * k + 9:.1f}">{escape(name)}</text>'
                   for k, name in enumerate(names))


def interval_chart(title: str, labels: Sequence[str],
                   series: dict[str, Sequence[tuple[float, float, float]]],
                   targets: Sequence[float | None] | None = None, percent: bool = True,
                   label_width: int = 190, width: int = 680) -> str:
    """Means with confidence intervals: one line per label, one whisker per series.

    Parameters
    ----------
    title
        Accessible title.
    labels
        Row labels (e.g. income quartiles).
    series
        Scenario name → one ``(mean, low, high)`` per label (NaN = not defined).
    targets
        Optional target per label, drawn as a vertical dark line.
    percent
        Values are shares, shown as percentages on a 0–100 % axis; otherwise the axis runs
        from 0 to the largest value.
    """
    names = list(series)
    data = np.array([[list(v) for v in series[n]] for n in names], dtype=float)
    data = data.reshape(len(names), len(labels), 3)
    finite = data[np.isfinite(data)]
    top = 1.0 if percent else (float(finite.max()) * 1.1 if finite.size and finite.max() > 0
                               else 1.0)
    legend = 150 if len(names) > 1 else 0
    plot = width - label_width - 70 - legend
    step = 12
    group = step * len(names) + 10
    height = group * len(labels) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
           f"<title>{escape(title)}</title>"]
    for tick in np.linspace(0, top, 5):
        x = label_width + plot * tick / top
        text = f"{tick:.0%}" if percent else f"{tick:,.0f}"
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#e4e4e4"/>'
                   f'<text x="{x:.1f}" y="{height - 5}" text-anchor="middle" '
                   f'fill="#555">{text}</text>')
    for i, label in enumerate(labels):
        y0 = 4 + i * group
        out.append(f'<text x="{label_width - 6}" y="{y0 + group / 2 - 4:.1f}" text-anchor="end" '
                   f'dominant-baseline="middle">{escape(str(label))}</text>')
        target = targets[i] if targets is not None else None
        if target is not None and np.isfinite(target):
            x = label_width + plot * min(target, top) / top
            out.append(f'<line x1="{x:.1f}" y1="{y0 - 2}" x2="{x:.1f}" '
                       f'y2="{y0 + group - 8}" stroke="#222" stroke-width="2"/>')
        for k in range(len(names)):
            mean, low, high = data[k, i]
            if not np.isfinite(mean):
                continue
            colour = PALETTE[k % len(PALETTE)]
            y = y0 + k * step + step / 2
            xm = label_width + plot * min(mean, top) / top
            if np.isfinite(low) and np.isfinite(high):
                xl = label_width + plot * max(min(low, top), 0) / top
                xh = label_width + plot * max(min(high, top), 0) / top
                out.append(f'<line x1="{xl:.1f}" y1="{y:.1f}" x2="{xh:.1f}" y2="{y:.1f}" '
                           f'stroke="{colour}" stroke-width="2"/>'
                           f'<line x1="{xl:.1f}" y1="{y - 3:.1f}" x2="{xl:.1f}" y2="{y + 3:.1f}" '
                           f'stroke="{colour}"/><line x1="{xh:.1f}" y1="{y - 3:.1f}" '
                           f'x2="{xh:.1f}" y2="{y + 3:.1f}" stroke="{colour}"/>')
            text = f"{mean:.1%}" if percent else f"{mean:,.1f}"
            out.append(f'<circle cx="{xm:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
                       f'<text x="{label_width + plot + 6}" y="{y:.1f}" fill="{colour}" '
                       f'dominant-baseline="middle">{text}</text>')
    if legend:
        out.append(_legend(names, width - legend + 10, 6))
    out.append("</svg>")
    return "".join(out)
