"""Inline SVG charts for the HTML report: no JavaScript, no external file, no font download.

Each function returns one ``<svg>`` element as a string, sized in CSS pixels, with a
``<title>`` for screen readers. Values are drawn to scale from zero; every bar carries its
number as text, so the chart reads without a tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

#: Colour-blind-safe palette (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'


def _fmt(value: float) -> str:
    from attribution.models.i18n import num
    return num(value) if float(value).is_integer() else num(value, 1)


def _legend(names: Sequence[str], x: float, y: float) -> str:
    parts = []
    for k, name in enumerate(names):
        colour = PALETTE[k % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y + 16 * k:.1f}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{x + 14:.1f}" y="{y + 16 * k + 9:.1f}">'
                     f"{escape(name)}</text>")
    return "".join(parts)


def bar_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]],
              label_width: int = 170, width: int = 760, bar: int = 14) -> str:
    """Horizontal grouped bars: one group per label, one bar per series.

    Parameters
    ----------
    title
        Accessible title (also shown above the chart by the caller).
    labels
        Group labels, drawn left of the bars.
    series
        Series name → one value per label.
    label_width, width, bar
        Layout in pixels.
    """
    names = list(series)
    values = np.array([list(series[n]) for n in names], dtype=float).reshape(len(names), -1)
    top = float(values.max()) if values.size and values.max() > 0 else 1.0
    plot = width - label_width - 60 - (190 if len(names) > 1 else 0)
    group = bar * len(names) + 8
    height = max(group * len(labels) + 10, 16 * len(names) + 10)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
           f"<title>{escape(title)}</title>"]
    for i, label in enumerate(labels):
        y0 = 5 + i * group
        out.append(f'<text x="{label_width - 6}" y="{y0 + group / 2 + 1:.1f}" '
                   f'text-anchor="end" dominant-baseline="middle">{escape(str(label))}</text>')
        for k in range(len(names)):
            v = values[k, i]
            w = plot * v / top
            y = y0 + k * bar
            out.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar - 2}" '
                       f'fill="{PALETTE[k % len(PALETTE)]}"/>'
                       f'<text x="{label_width + w + 4:.1f}" y="{y + bar / 2:.1f}" '
                       f'dominant-baseline="middle">{_fmt(v)}</text>')
    if len(names) > 1:
        out.append(_legend(names, width - 185, 6))
    out.append("</svg>")
    return "".join(out)


def _pct(share: float) -> str:
    """A share as a whole percentage, in the current language (``25 %``, ``25%``)."""
    from attribution.models.i18n import pct
    return pct(share, 0)


def target_chart(title: str,
                 rows: Sequence[tuple[str, float, float | None, float | None, bool]],
                 label_width: int = 300, width: int = 700) -> str:
    """Realised shares against their targets (bullet chart, 0–100 %).

    Parameters
    ----------
    title
        Accessible title.
    rows
        ``(label, share, low, high, ok)`` per quota: the realised share (0..1), the
        allowed range (``low`` = minimum share, ``high`` = maximum share; ``None`` = open)
        and whether the quota holds (decided exactly by the caller, not from the rounded
        floats). The allowed range is shaded, the realised share is a bar, green when the
        quota holds and vermilion when not.
    label_width, width
        Layout in pixels.
    """
    row_h = 22
    plot = width - label_width - 60
    height = row_h * len(rows) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
           f"<title>{escape(title)}</title>"]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_width + plot * tick
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16}" '
                   f'stroke="#ddd"/><text x="{x:.1f}" y="{height - 4}" '
                   f'text-anchor="middle" fill="#555">{_pct(tick)}</text>')
    for i, (label, share, low, high, ok) in enumerate(rows):
        y = 4 + i * row_h
        lo, hi = (low or 0.0), (1.0 if high is None else high)
        colour = "#009E73" if ok else "#D55E00"
        out.append(
            f'<text x="{label_width - 6}" y="{y + 8}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
            f'<rect x="{label_width + plot * lo:.1f}" y="{y}" width="{plot * (hi - lo):.1f}" '
            f'height="16" fill="#e8e8e8"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{plot * min(share, 1.0):.1f}" '
            f'height="8" fill="{colour}"/>')
        for bound in (low, high):
            if bound is not None:
                x = label_width + plot * bound
                out.append(f'<line x1="{x:.1f}" y1="{y - 1}" x2="{x:.1f}" y2="{y + 17}" '
                           f'stroke="#333" stroke-width="2"/>')
        out.append(f'<text x="{label_width + plot + 6}" y="{y + 8}" '
                   f'dominant-baseline="middle">{_pct(share)}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram(title: str, series: dict[str, Sequence[float]], bins: int = 20,
              width: int = 700, height: int = 220, density: bool = True) -> str:
    """Overlaid step histograms of several series on shared bins.

    Parameters
    ----------
    title
        Accessible title.
    series
        Series name → values (e.g. scores of housed and of not housed demands).
    bins
        Number of equal-width bins over the range of all values.
    width, height
        Size in pixels.
    density
        Draw each series as shares of its own total (so a small group stays visible).
    """
    data = {k: np.asarray(v, dtype=float) for k, v in series.items()}
    allv = np.concatenate([v for v in data.values()] or [np.zeros(0)])
    lo, hi = (float(allv.min()), float(allv.max())) if allv.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    counts = {k: np.histogram(v, edges)[0].astype(float) for k, v in data.items()}
    if density:
        counts = {k: c / max(c.sum(), 1.0) for k, c in counts.items()}
    top = max((float(c.max()) for c in counts.values() if c.size), default=1.0) or 1.0
    left, bottom, right = 44, 22, 20
    legend_h = 16 * len(counts) + 6
    pw, ph = width - left - right, height - bottom - 8
    total_h = height + legend_h
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{total_h}" viewBox="0 0 {width} {total_h}" {_FONT}>'
           f"<title>{escape(title)}</title>"
           f'<line x1="{left}" y1="{8 + ph}" x2="{left + pw}" y2="{8 + ph}" stroke="#333"/>']
    for t in np.linspace(lo, hi, 5):
        x = left + pw * (t - lo) / (hi - lo)
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" '
                   f'fill="#555">{_fmt(round(float(t)))}</text>')
    label = "share" if density else "count"
    out.append(f'<text x="4" y="14" fill="#555">{label}</text>')
    for k, (name, c) in enumerate(counts.items()):
        colour = PALETTE[k % len(PALETTE)]
        pts = [f"{left:.1f},{8 + ph:.1f}"]
        for j in range(bins):
            x0 = left + pw * j / bins
            x1 = left + pw * (j + 1) / bins
            y = 8 + ph - ph * c[j] / top
            pts += [f"{x0:.1f},{y:.1f}", f"{x1:.1f},{y:.1f}"]
        pts.append(f"{left + pw:.1f},{8 + ph:.1f}")
        out.append(f'<polyline points="{" ".join(pts)}" fill="{colour}" fill-opacity="0.18" '
                   f'stroke="{colour}" stroke-width="1.5"/>')
    out.append(_legend([f"{n} (n={len(data[n])})" for n in counts], left, height + 4))
    out.append("</svg>")
    return "".join(out)
