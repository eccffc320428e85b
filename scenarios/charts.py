"""Inline SVG chart of Monte-Carlo estimates: a mean and its confidence interval per row
and scenario, with an optional target line. Bars and bullet charts come from
:mod:`reporting.pages.svg` (same palette, same font), so the pages look alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from attribution.models import i18n
from attribution.models.i18n import num, pct
from attribution.reporting.pages.svg import PALETTE

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
        text = pct(tick, 0) if percent else num(tick)
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
            text = pct(mean) if percent else num(mean, 1)
            out.append(f'<circle cx="{xm:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
                       f'<text x="{label_width + plot + 6}" y="{y:.1f}" fill="{colour}" '
                       f'dominant-baseline="middle">{text}</text>')
    if legend:
        out.append(_legend(names, width - legend + 10, 6))
    out.append("</svg>")
    return "".join(out)


def xy_chart(title: str, series: dict[str, Sequence[dict]], x_label: str, y_label: str,
             x_percent: bool = False, y_percent: bool = False, hline: float | None = None,
             hline_label: str = "", width: int = 680, height: int = 360) -> str:
    """Points joined by lines, one series per colour, with optional 2-D error bars.

    Parameters
    ----------
    series
        Name → points in drawing order; each point a dict with ``x``, ``y`` and optional
        ``xlo``, ``xhi``, ``ylo``, ``yhi`` (interval bounds) and ``label`` (text by the
        point). NaN coordinates are skipped.
    x_percent, y_percent
        Axis values are shares, shown as percentages.
    hline
        Optional horizontal reference line (a target), with ``hline_label``.
    """
    pts = [p for ps in series.values() for p in ps
           if np.isfinite(p.get("x", np.nan)) and np.isfinite(p.get("y", np.nan))]
    if not pts:
        return ""

    def extent(keys, extra=(), percent=False):
        # The means set the axis; interval ends widen it by at most the means' own span
        # (or half their size): a very wide interval (few seeds) is cut at the frame
        # rather than squashing every point into a corner.
        means = [p[keys[0]] for p in pts] + list(extra)
        lo, hi = min(means), max(means)
        reach = max(hi - lo, 0.5 * max(abs(lo), abs(hi)), 1e-3)
        ends = [p[k] for p in pts for k in keys[1:] if k in p and np.isfinite(p[k])]
        lo = max(min([lo] + ends), lo - reach)
        hi = min(max([hi] + ends), hi + reach)
        if percent:
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        pad = (hi - lo) * 0.06 or max(abs(hi) * 0.05, 1e-3)
        return lo - pad, hi + pad

    x0, x1 = extent(("x", "xlo", "xhi"), percent=x_percent)
    y0, y1 = extent(("y", "ylo", "yhi"), [hline] if hline is not None else [], y_percent)
    left, right, top, bottom = 70, 20 + (150 if len(series) > 1 else 0), 12, 44
    pw, ph = width - left - right, height - top - bottom

    def sx(v):
        return left + pw * (min(max(v, x0), x1) - x0) / (x1 - x0)

    def sy(v):
        return top + ph * (1 - (min(max(v, y0), y1) - y0) / (y1 - y0))

    def fmt(v, pct, span):
        # As many decimals as the axis span needs for distinct ticks.
        if pct:
            digits = 0 if span >= 0.05 else 1 if span >= 0.005 else 2
            return i18n.pct(v, digits)
        digits = 0 if span >= 10 else 1 if span >= 1 else 2
        return num(v, digits)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
           f"<title>{escape(title)}</title>"]
    for t in np.linspace(x0, x1, 6)[1:-1]:
        out.append(f'<line x1="{sx(t):.1f}" y1="{top}" x2="{sx(t):.1f}" y2="{top + ph}" '
                   f'stroke="#e4e4e4"/><text x="{sx(t):.1f}" y="{top + ph + 16}" '
                   f'text-anchor="middle" fill="#555">{fmt(t, x_percent, x1 - x0)}</text>')
    for t in np.linspace(y0, y1, 6)[1:-1]:
        out.append(f'<line x1="{left}" y1="{sy(t):.1f}" x2="{left + pw}" y2="{sy(t):.1f}" '
                   f'stroke="#e4e4e4"/><text x="{left - 6}" y="{sy(t):.1f}" text-anchor="end" '
                   f'dominant-baseline="middle" fill="#555">{fmt(t, y_percent, y1 - y0)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               f'stroke="#999"/><text x="{left + pw / 2:.1f}" y="{height - 6}" '
               f'text-anchor="middle">{escape(x_label)}</text><text x="14" '
               f'y="{top + ph / 2:.1f}" text-anchor="middle" transform="rotate(-90 14 '
               f'{top + ph / 2:.1f})">{escape(y_label)}</text>')
    if hline is not None and np.isfinite(hline):
        out.append(f'<line x1="{left}" y1="{sy(hline):.1f}" x2="{left + pw}" '
                   f'y2="{sy(hline):.1f}" stroke="#222" stroke-width="2" '
                   f'stroke-dasharray="6 4"/><text x="{left + pw - 4}" y="{sy(hline) - 5:.1f}" '
                   f'text-anchor="end">{escape(hline_label)}</text>')
    for k, (name, ps) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        ok = [p for p in ps if np.isfinite(p.get("x", np.nan)) and np.isfinite(p.get("y", np.nan))]
        if len(ok) > 1:
            path = " ".join(f"{sx(p['x']):.1f},{sy(p['y']):.1f}" for p in ok)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                       f'stroke-width="1.5" opacity="0.7"/>')
        for p in ok:
            x, y = sx(p["x"]), sy(p["y"])
            if np.isfinite(p.get("xlo", np.nan)) and np.isfinite(p.get("xhi", np.nan)):
                out.append(f'<line x1="{sx(p["xlo"]):.1f}" y1="{y:.1f}" x2="{sx(p["xhi"]):.1f}" '
                           f'y2="{y:.1f}" stroke="{colour}"/>')
            if np.isfinite(p.get("ylo", np.nan)) and np.isfinite(p.get("yhi", np.nan)):
                out.append(f'<line x1="{x:.1f}" y1="{sy(p["ylo"]):.1f}" x2="{x:.1f}" '
                           f'y2="{sy(p["yhi"]):.1f}" stroke="{colour}"/>')
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
            if p.get("label"):
                out.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" fill="{colour}">'
                           f'{escape(str(p["label"]))}</text>')
    if len(series) > 1:
        out.append(_legend(list(series), width - right + 12, top + 4))
    out.append("</svg>")
    return "".join(out)
