"""The self-contained HTML page of a simulation or a comparison (inline CSS and SVG only).

Aggregates only (no demand id), figures as Monte-Carlo means with their 95 % confidence
interval. Nothing on the page depends on the clock, except the run time stated in the
footer note.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from attribution.models.i18n import N_, _, ngettext, num, pct
from attribution.reporting.pages.svg import bar_chart
from attribution.reporting.pages.webpage import page

from .charts import interval_chart

#: Extra rules of the scenario pages over the shared frame (reporting.pages.webpage).
_CSS = ".scroll table td:first-child{white-space:normal;min-width:12em}"

#: Headline KPIs of the comparison table: (kpi, group, label, is a share).
HEADLINE = (
    ("attributions", "all", N_("Attributions over the horizon"), False),
    ("attributions_per_year", "all", N_("Attributions per year"), False),
    ("attribution_rate", "Q1", N_("Attribution rate, income Q1"), True),
    ("attribution_rate", "Q2", N_("Attribution rate, income Q2"), True),
    ("attribution_rate", "Q3", N_("Attribution rate, income Q3"), True),
    ("attribution_rate", "Q4", N_("Attribution rate, income Q4"), True),
    ("attribution_rate", "priority", N_("Attribution rate, priority publics"), True),
    ("priority_share", "all", N_("Priority or DALO share of attributions"), True),
    ("q1_outside_qpv_share", "all", N_("Q1 (or ANRU) share outside QPV"), True),
    ("non_q1_in_qpv_share", "all", N_("Non-Q1 share in QPV"), True),
    ("state_outside_qpv_share", "all", N_("State flow outside QPV"), True),
    ("wait_months", "all", N_("Median wait of housed households (months)"), False),
    ("wait_months", "priority", N_("Median wait, priority publics (months)"), False),
    ("refusal_rate", "all", N_("Offers refused"), True),
    ("units_left_empty", "end", N_("Units left empty at the end"), False),
    ("vacant_unit_months", "all", N_("Vacant unit-months"), False),
    ("pending_end", "all", N_("Demands pending at the end"), False),
    ("targets_missed", "all", N_("Annual quota rows missed"), False),
    ("relaxed_passes", "all", N_("Passes with the carry-over relaxed"), False),
)
#: Labels of the headline indicators, also of those outside :data:`HEADLINE`.
LABELS = {**{(k, g): label for k, g, label, _s in HEADLINE},
          ("wait_months", "other"): N_("Median wait, other households (months)")}


def label(kpi: str, group: str) -> str:
    """An indicator's label for people, in the current language."""
    found = LABELS.get((kpi, group))
    text = _(found) if found else f"{kpi} {group}"
    return text[:1].upper() + text[1:]


def scroll(html: str) -> str:
    """A wide table inside a box that scrolls, so that the page never does."""
    return f'<div class="scroll">{html}</div>'


def _fmt(mean: float, low: float, high: float, share: bool) -> str:
    if not np.isfinite(mean):
        return "–"
    f = (lambda v: pct(v)) if share else (lambda v: num(v, 1))
    if np.isfinite(low) and np.isfinite(high):
        return f"{f(mean)} <span class='note'>[{f(low)}, {f(high)}]</span>"
    return f(mean)


def _get(summary: pd.DataFrame, scenario: str, kpi: str, group: str) -> tuple[float, ...]:
    hit = summary[(summary["scenario"] == scenario) & (summary["kpi"] == kpi)
                  & (summary["group"] == group)]
    if hit.empty:
        return (np.nan, np.nan, np.nan)
    row = hit.iloc[0]
    return (float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]))


def _headline(summary: pd.DataFrame, names: list[str]) -> str:
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for kpi, group, _label, share in HEADLINE:
        cells = "".join(f"<td>{_fmt(*_get(summary, n, kpi, group), share)}</td>" for n in names)
        rows.append(f"<tr><td>{escape(label(kpi, group))}</td>{cells}</tr>")
    return scroll(f"<table><tr><th>{escape(_('Indicator (mean [95 % CI])'))}</th>{head}</tr>"
                  f"{''.join(rows)}</table>")


def _chart(summary, names, kpi, groups, title, labels=None, targets=None, percent=True) -> str:
    series = {n: [_get(summary, n, kpi, g) for g in groups] for n in names}
    return (f"<h3>{escape(title)}</h3>"
            + interval_chart(title, labels or groups, series, targets, percent=percent))


def _groups(summary: pd.DataFrame, kpi: str, prefix: str) -> list[str]:
    hit = summary[(summary["kpi"] == kpi) & summary["group"].str.startswith(prefix)]
    return sorted(hit["group"].unique().tolist())


def _bars(summary, names, kpi, prefix, title) -> str:
    groups = _groups(summary, kpi, prefix)
    if not groups:
        return ""
    series = {n: [np.nan_to_num(_get(summary, n, kpi, g)[0]) for g in groups] for n in names}
    labels = [g.split("=", 1)[1] for g in groups]
    return f"<h3>{escape(title)}</h3>" + bar_chart(title, labels, series)


def _targets(targets: pd.DataFrame, names: list[str]) -> str:
    if targets.empty:
        return f"<p>{escape(_('No quota row was enforced.'))}</p>"
    multi = "year" in targets and targets["year"].nunique() > 1
    worst = targets.sort_values("margin").drop_duplicates(["scenario", "name"])
    grouped = targets.groupby(["scenario", "name"], sort=False)
    summary = grouped.agg(family=("family", "first"), target=("target", "first"),
                          sense=("sense", "first"), seeds=("met", "size"),
                          missed=("met", lambda m: int((~m.astype(bool)).sum())),
                          realised=("realised", "mean"), margin=("margin", "min")).reset_index()
    summary = summary.merge(worst[["scenario", "name", "reason"]], on=["scenario", "name"])
    missed = summary[summary["missed"] > 0]
    lines = []
    for n in names:
        part = summary[summary["scenario"] == n]
        bad = missed[missed["scenario"] == n]
        missed_text = ("" if bad.empty else "<span class='no'>" + escape(ngettext(
            "{n} missed in at least one seed", "{n} missed in at least one seed",
            len(bad)).format(n=len(bad))) + "</span>")
        template = (_("{name}: {met} of {n} annual quota rows met in every seed.") if bad.empty
                    else _("{name}: {met} of {n} annual quota rows met in every seed; "
                           "{missed}:"))
        lines.append("<p>" + escape(template).format(
            name=f"<b>{escape(n)}</b>", met=len(part) - len(bad), n=len(part),
            missed=missed_text) + "</p>")
        if bad.empty:
            continue
        rows = []
        for _i, r in bad.iterrows():
            op = "≥" if r["sense"] == ">=" else "≤"
            rows.append(f"<tr><td>{escape(r['name'])}</td><td>{op} {pct(r['target'], 0)}</td>"
                        f"<td>{pct(r['realised'])}</td><td>{r['missed']}/{r['seeds']}</td>"
                        f"<td>{num(-r['margin'], 1)}</td><td style='text-align:left'>"
                        f"{escape(r['reason'])}</td></tr>")
        heads = [_("row"), _("target"), _("realised (mean)"),
                 _("seed-years missed") if multi else _("seeds missed"),
                 _("worst shortfall (attributions)"), _("why (worst seed)")]
        lines.append(scroll("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in heads)
                            + "</tr>" + "".join(rows) + "</table>"))
    return "".join(lines)


def _fmt_diff(row: pd.Series, share: bool) -> str:
    if not np.isfinite(row["diff_mean"]):
        return "–"
    if share:
        f = lambda v: ("+" if v >= 0 else "") + num(v * 100, 1) + "\u00a0pt"  # noqa: E731
    else:
        f = lambda v: ("+" if v >= 0 else "") + num(v, 1)  # noqa: E731
    text = f(row["diff_mean"])
    if np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"]):
        text += f" <span class='note'>[{f(row['ci_low'])}, {f(row['ci_high'])}]</span>"
    if row["distinguishable"]:
        return f"<b>{text}</b>"
    return text


def differences_section(differences: pd.DataFrame, names: list[str]) -> str:
    """The page's lead when several scenarios are compared: each scenario minus the first,
    seed by seed, on the headline indicators."""
    if differences is None or differences.empty or len(names) < 2:
        return ""
    d = differences[differences["period"] == "all"]
    ref = names[0]
    head = "".join(f"<th>{escape(n)} − {escape(ref)}</th>" for n in names[1:])
    rows = []
    keys = [(k, g, k.endswith("share") or k.endswith("rate")) for k, g, _l, _s in HEADLINE]
    keys.insert(keys.index(("wait_months", "priority", False)) + 1,
                ("wait_months", "other", False))
    for kpi, group, share in keys:
        cells = []
        for n in names[1:]:
            hit = d[(d["scenario"] == n) & (d["kpi"] == kpi) & (d["group"] == group)]
            cells.append(f"<td>{_fmt_diff(hit.iloc[0], share) if len(hit) else '–'}</td>")
        rows.append(f"<tr><td>{escape(label(kpi, group))}</td>{''.join(cells)}</tr>")
    n_seeds = int(d["n"].max()) if len(d) else 0
    lead = escape(_(
        "Mean difference of each scenario from “{ref}”, seed by seed ({n} common seeds: the "
        "same freed units, the same newcomers, the same answer to the same offer), and its "
        "paired 95 % confidence interval. {bold}: the interval excludes zero, the difference "
        "stands out from the simulation noise. Shares are in percentage points. Every "
        "difference: differences.csv.")).format(ref=escape(ref), n=n_seeds,
                                                 bold=f"<b>{escape(_('In bold'))}</b>")
    return (f"<h2>{escape(_('Differences from “{ref}”').format(ref=ref))}</h2>"
            f"<p class='sub'>{lead}</p>"
            + scroll(f"<table><tr><th>{escape(_('Indicator'))}</th>{head}</tr>"
                     f"{''.join(rows)}</table>"))


def seeds_warning(summary: pd.DataFrame) -> str:
    """A visible warning when the intervals rest on few seeds."""
    if summary.empty or "flag" not in summary:
        return ""
    n = int(summary["n"].max())
    if n >= 5:
        return ""
    text = (_("Warning: a single Monte-Carlo seed. The intervals are indicative (no interval "
              "with a single seed); count at least 5 seeds, or use --precision to add seeds "
              "up to the precision wanted.") if n == 1 else
            _("Warning: only {n} Monte-Carlo seeds. The intervals are indicative; count at "
              "least 5 seeds, or use --precision to add seeds up to the precision "
              "wanted.").format(n=n))
    return f"<p class='no'>{escape(text)}</p>"


def per_year_section(by_year: pd.DataFrame, names: list[str]) -> str:
    """Headline indicators year by year, when the horizon spans several years."""
    if by_year is None or by_year.empty:
        return ""
    years = sorted(by_year["period"].unique(), key=int)
    parts = [f"<h2>{escape(_('Year by year'))}</h2><p class='sub'>"
             + escape(_("Each simulated year has its own annual accounts; the stock of "
                        "demands and the vacant units carry over from one year to the "
                        "next.")) + "</p>"]
    for n in names:
        part = by_year[by_year["scenario"] == n]
        head = "".join(f"<th>{escape(_('year {n}').format(n=y))}</th>" for y in years)
        rows = []
        for kpi, group, _label, share in HEADLINE:
            if kpi == "attributions_per_year":
                continue
            cells = "".join(f"<td>{_fmt(*_get(part[part['period'] == y], n, kpi, group), share)}"
                            f"</td>" for y in years)
            rows.append(f"<tr><td>{escape(label(kpi, group))}</td>{cells}</tr>")
        parts.append(f"<h3>{escape(n)}</h3>" + scroll(
            f"<table><tr><th>{escape(_('Indicator'))}</th>{head}</tr>{''.join(rows)}</table>"))
    return "".join(parts)


def render_page(title: str, scenarios: list[dict], summary: pd.DataFrame,
                targets: pd.DataFrame, failures: pd.DataFrame, note: str,
                differences: pd.DataFrame | None = None,
                by_year: pd.DataFrame | None = None) -> str:
    """The HTML page (a string).

    Parameters
    ----------
    title
        Page title.
    scenarios
        One dict per scenario: ``name``, ``description``, ``territory``, ``months``,
        ``seeds``.
    summary
        :func:`scenarios.year_kpis.summarise` output.
    targets
        Annual checks of every (scenario, seed): :func:`scenarios.accounts.annual_check`
        with ``scenario``, ``seed`` and ``reason`` (:func:`scenarios.shortfalls.explain`)
        columns.
    failures
        Failed tasks (scenario, seed, error).
    note
        Run facts for the footer (seeds, workers, wall time).
    differences
        :func:`scenarios.differences.differences` (compare): the page leads with them.
    by_year
        The summary of each year of a multi-year horizon (``period`` "1".."N").
    """
    names = [s["name"] for s in scenarios]
    intro = "".join(
        f"<li><b>{escape(s['name'])}</b> — {escape(s['description'] or '')} "
        "<span class='note'>" + escape(_("(territory {territory}, horizon {horizon}, {seeds} "
                                          "seeds)").format(
            territory=s["territory"],
            horizon=s.get("horizon") or _("{n} months").format(n=s["months"]),
            seeds=s["seeds"])) + "</span></li>" for s in scenarios)
    quotas = [("priority_share", "all", 0.25), ("q1_outside_qpv_share", "all", 0.25),
              ("non_q1_in_qpv_share", "all", 0.50), ("state_outside_qpv_share", "all", 0.30)]
    share_series = {n: [_get(summary, n, k, g) for k, g, _q in quotas] for n in names}
    sizes = [f"size {k}" for k in range(1, 7)]
    publics = {"all": _("all"), "priority": _("priority publics"), "other": _("others")}
    size_labels = [_("{n} persons").format(n=k) if k < 6 else _("6 persons or more")
                   for k in range(1, 7)]
    floors = _("Annual shares against the law's floors")
    body = [
        f"<h1>{escape(title)}</h1><p class='sub'>"
        + escape(_("Monte-Carlo means over the seeds, with the 95 % confidence interval in "
                   "brackets (Student's t on the logit scale for shares, the log scale for "
                   "counts and durations: the bounds stay within the possible range).")) +
        f"</p><ul>{intro}</ul>",
        seeds_warning(summary),
        differences_section(differences, names),
        f"<h2>{escape(_('Key figures'))}</h2>", _headline(summary, names),
        per_year_section(by_year, names),
        f"<h2>{escape(_('Who is housed'))}</h2>",
        _chart(summary, names, "attribution_rate", ["Q1", "Q2", "Q3", "Q4", "priority", "other"],
               _("Attribution rate by income quartile and public"),
               labels=["Q1", "Q2", "Q3", "Q4", publics["priority"], publics["other"]]),
        f"<h3>{escape(floors)}</h3>",
        interval_chart(floors, [_("priority or DALO"), _("Q1/ANRU outside QPV"),
                                _("non-Q1 in QPV"), _("State flow outside QPV")],
                       share_series, [q[2] for q in quotas]),
        "<p class='note'>" + escape(_(
            "Dark lines: the default floors of the law (25 %, 25 %, 50 %, 30 %); a scenario "
            "may set others (see its file and the table of annual targets below).")) + "</p>",
        f"<h2>{escape(_('Waiting'))}</h2>",
        _chart(summary, names, "wait_months", ["all", "priority", "other"] + sizes,
               _("Median months from registration to attribution"),
               labels=[publics["all"], publics["priority"], publics["other"]] + size_labels,
               percent=False),
        f"<h2>{escape(_('Where and through whom'))}</h2>",
        _bars(summary, names, "attributions", "commune=", _("Attributions per commune (mean)")),
        _bars(summary, names, "attributions", "landlord=",
              _("Attributions per landlord (mean)")),
        _bars(summary, names, "attributions", "reservataire=",
              _("Attributions per réservataire (mean)")),
        f"<h2>{escape(_('Annual targets'))}</h2>", _targets(targets, names),
    ]
    if not failures.empty:
        shown = failures[["scenario", "seed", "error"]].copy()
        shown.columns = [_("scenario"), _("seed"), _("error")]
        body += [f"<h2>{escape(_('Failed tasks'))}</h2>",
                 scroll(shown.to_html(index=False, border=0))]
    body.append(f"<p class='note'>{escape(note)} " + escape(_(
        "Full tables: kpis.csv (summary), kpis_by_seed.csv, rounds.csv, targets.csv. Method: "
        "docs/scenarios.md.")) + "</p>")
    return page(title, "".join(body), extra_css=_CSS)
