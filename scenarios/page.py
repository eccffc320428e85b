"""The self-contained HTML page of a simulation or a comparison (inline CSS and SVG only).

Aggregates only (no demand id), figures as Monte-Carlo means with their 95 % confidence
interval. Nothing on the page depends on the clock, except the run time stated in the
footer note.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from attribution.reporting.svg import bar_chart

from .charts import interval_chart

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;
background:#fafafa;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:30px 0 8px;border-bottom:2px solid
#0072B2;padding-bottom:3px}.sub{color:#555;margin:0 0 14px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:.86em}
th,td{border-bottom:1px solid #e2e2e2;padding:3px 8px;text-align:right}
th{background:#f0f3f6;text-align:center}td:first-child,th:first-child{text-align:left}
.no{color:#c0392b;font-weight:bold}.ok{color:#007a55}.note{font-size:.85em;color:#555}
"""

#: Headline KPIs of the comparison table: (kpi, group, label, is a share).
HEADLINE = (
    ("attributions", "all", "Attributions over the horizon", False),
    ("attributions_per_year", "all", "Attributions per year", False),
    ("attribution_rate", "Q1", "Attribution rate, income Q1", True),
    ("attribution_rate", "Q2", "Attribution rate, income Q2", True),
    ("attribution_rate", "Q3", "Attribution rate, income Q3", True),
    ("attribution_rate", "Q4", "Attribution rate, income Q4", True),
    ("attribution_rate", "priority", "Attribution rate, priority publics", True),
    ("priority_share", "all", "Priority or DALO share of attributions", True),
    ("q1_outside_qpv_share", "all", "Q1 (or ANRU) share outside QPV", True),
    ("non_q1_in_qpv_share", "all", "Non-Q1 share in QPV", True),
    ("state_outside_qpv_share", "all", "State flow outside QPV", True),
    ("wait_months", "all", "Median wait of housed households (months)", False),
    ("wait_months", "priority", "Median wait, priority publics (months)", False),
    ("refusal_rate", "all", "Offers refused", True),
    ("units_left_empty", "end", "Units left empty at the end", False),
    ("vacant_unit_months", "all", "Vacant unit-months", False),
    ("pending_end", "all", "Demands pending at the end", False),
    ("targets_missed", "all", "Annual quota rows missed", False),
    ("relaxed_passes", "all", "Passes with the carry-over relaxed", False),
)

def _fmt(mean: float, low: float, high: float, share: bool) -> str:
    if not np.isfinite(mean):
        return "–"
    f = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:,.1f}")
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
    for kpi, group, label, share in HEADLINE:
        cells = "".join(f"<td>{_fmt(*_get(summary, n, kpi, group), share)}</td>" for n in names)
        rows.append(f"<tr><td>{escape(label)}</td>{cells}</tr>")
    return f"<table><tr><th>KPI (mean [95 % CI])</th>{head}</tr>{''.join(rows)}</table>"


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
        return "<p>No quota row was enforced.</p>"
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
        lines.append(f"<p><b>{escape(n)}</b>: {len(part) - len(bad)} of {len(part)} annual "
                     f"quota rows met in every seed"
                     + ("." if bad.empty else f"; <span class='no'>{len(bad)} missed in at "
                                              f"least one seed</span>:") + "</p>")
        if bad.empty:
            continue
        rows = []
        for _, r in bad.iterrows():
            op = "≥" if r["sense"] == ">=" else "≤"
            rows.append(f"<tr><td>{escape(r['name'])}</td><td>{op} {r['target']:.0%}</td>"
                        f"<td>{r['realised']:.1%}</td><td>{r['missed']}/{r['seeds']}</td>"
                        f"<td>{-r['margin']:.1f}</td><td style='text-align:left'>"
                        f"{escape(r['reason'])}</td></tr>")
        lines.append("<table><tr><th>row</th><th>target</th><th>realised (mean)</th>"
                     f"<th>{'seed-years' if multi else 'seeds'} missed</th>"
                     "<th>worst shortfall (attributions)</th>"
                     "<th>why (worst seed)</th></tr>" + "".join(rows) + "</table>")
    return "".join(lines)


#: Libellés français des indicateurs de tête (sections nouvelles, en français d'abord).
HEADLINE_FR = {
    ("attributions", "all"): "Attributions sur l'horizon",
    ("attributions_per_year", "all"): "Attributions par an",
    ("attribution_rate", "Q1"): "Taux d'attribution, revenus Q1",
    ("attribution_rate", "Q2"): "Taux d'attribution, revenus Q2",
    ("attribution_rate", "Q3"): "Taux d'attribution, revenus Q3",
    ("attribution_rate", "Q4"): "Taux d'attribution, revenus Q4",
    ("attribution_rate", "priority"): "Taux d'attribution, publics prioritaires",
    ("priority_share", "all"): "Part des prioritaires ou DALO dans les attributions",
    ("q1_outside_qpv_share", "all"): "Part Q1 (ou ANRU) hors QPV",
    ("non_q1_in_qpv_share", "all"): "Part hors Q1 en QPV",
    ("state_outside_qpv_share", "all"): "Contingent de l'État hors QPV",
    ("wait_months", "all"): "Attente médiane des ménages logés (mois)",
    ("wait_months", "priority"): "Attente médiane, prioritaires (mois)",
    ("wait_months", "other"): "Attente médiane, autres ménages (mois)",
    ("refusal_rate", "all"): "Propositions refusées",
    ("units_left_empty", "end"): "Logements vacants à la fin",
    ("vacant_unit_months", "all"): "Mois-logements vacants",
    ("pending_end", "all"): "Demandes en attente à la fin",
    ("targets_missed", "all"): "Objectifs annuels manqués",
    ("relaxed_passes", "all"): "Passes avec report assoupli",
}


def _fmt_diff(row: pd.Series, share: bool) -> str:
    if not np.isfinite(row["diff_mean"]):
        return "–"
    if share:
        f = lambda v: f"{v * 100:+.1f} pt".replace("-", "−")  # noqa: E731
    else:
        f = lambda v: f"{v:+,.1f}".replace(",", "\u202f").replace("-", "−")  # noqa: E731
    text = f(row["diff_mean"])
    if np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"]):
        text += f" <span class='note'>[{f(row['ci_low'])}, {f(row['ci_high'])}]</span>"
    if row["distinguishable"]:
        return f"<b>{text}</b>"
    return text


def differences_section(differences: pd.DataFrame, names: list[str]) -> str:
    """The page's lead when several scenarios are compared: each scenario minus the first,
    seed by seed, on the headline indicators (French)."""
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
        label = HEADLINE_FR.get((kpi, group), f"{kpi} {group}")
        rows.append(f"<tr><td>{escape(label)}</td>{''.join(cells)}</tr>")
    n_seeds = int(d["n"].max()) if len(d) else 0
    return (f"<h2>Différences avec « {escape(ref)} »</h2>"
            f"<p class='sub'>Écart moyen de chaque scénario avec « {escape(ref)} », graine par "
            f"graine ({n_seeds} graines communes : mêmes logements libérés, mêmes nouveaux "
            f"demandeurs, même réponse à une même proposition), et son intervalle de confiance "
            f"à 95 % apparié. <b>En gras</b> : l'intervalle exclut zéro, la différence est "
            f"discernable du bruit de simulation. Les parts sont en points de pourcentage. "
            f"Toutes les différences : differences.csv.</p>"
            f"<table><tr><th>Indicateur</th>{head}</tr>{''.join(rows)}</table>")


def seeds_warning(summary: pd.DataFrame) -> str:
    """A visible warning when the intervals rest on few seeds (French)."""
    if summary.empty or "flag" not in summary:
        return ""
    n = int(summary["n"].max())
    if n >= 5:
        return ""
    return (f"<p class='no'>Attention : seulement {n} graine{'s' if n > 1 else ''} Monte-Carlo. "
            f"Les intervalles sont indicatifs{' (aucun intervalle avec une seule graine)' if n == 1 else ''} ; "
            f"comptez au moins 5 graines, ou utilisez --precision pour en ajouter jusqu'à la "
            f"précision voulue.</p>")


def per_year_section(by_year: pd.DataFrame, names: list[str]) -> str:
    """Headline indicators year by year, when the horizon spans several years (French)."""
    if by_year is None or by_year.empty:
        return ""
    years = sorted(by_year["period"].unique(), key=int)
    parts = ["<h2>Année par année</h2><p class='sub'>Chaque année simulée a ses propres "
             "comptes annuels ; le stock de demandes et les logements vacants passent d'une "
             "année à l'autre.</p>"]
    for n in names:
        part = by_year[by_year["scenario"] == n]
        head = "".join(f"<th>année {y}</th>" for y in years)
        rows = []
        for kpi, group, _label, share in HEADLINE:
            if kpi == "attributions_per_year":
                continue
            cells = "".join(f"<td>{_fmt(*_get(part[part['period'] == y], n, kpi, group), share)}"
                            f"</td>" for y in years)
            rows.append(f"<tr><td>{escape(HEADLINE_FR.get((kpi, group), kpi))}</td>{cells}</tr>")
        parts.append(f"<h3>{escape(n)}</h3><table><tr><th>Indicateur</th>{head}</tr>"
                     f"{''.join(rows)}</table>")
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
        :func:`scenarios.kpis.summarise` output.
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
    intro = "".join(f"<li><b>{escape(s['name'])}</b> — {escape(s['description'] or '')} "
                    f"<span class='note'>(territoire {escape(s['territory'])}, horizon "
                    f"{escape(s.get('horizon', str(s['months']) + ' mois'))}, {s['seeds']} "
                    f"graines)</span></li>" for s in scenarios)
    quotas = [("priority_share", "all", 0.25), ("q1_outside_qpv_share", "all", 0.25),
              ("non_q1_in_qpv_share", "all", 0.50), ("state_outside_qpv_share", "all", 0.30)]
    share_series = {n: [_get(summary, n, k, g) for k, g, _ in quotas] for n in names}
    sizes = [f"size {k}" for k in range(1, 7)]
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1><p class='sub'>Moyennes Monte-Carlo sur les graines, avec "
        f"l'intervalle de confiance à 95 % entre crochets (t de Student sur l'échelle logit "
        f"pour les parts, logarithmique pour les effectifs et les durées : les bornes restent "
        f"dans le domaine possible).</p><ul>{intro}</ul>",
        seeds_warning(summary),
        differences_section(differences, names),
        "<h2>Key figures</h2>", _headline(summary, names),
        per_year_section(by_year, names),
        "<h2>Who is housed</h2>",
        _chart(summary, names, "attribution_rate", ["Q1", "Q2", "Q3", "Q4", "priority", "other"],
               "Attribution rate by income quartile and public"),
        "<h3>Annual shares against the law's floors</h3>",
        interval_chart("Annual shares against the law's floors",
                       ["priority or DALO", "Q1/ANRU outside QPV", "non-Q1 in QPV",
                        "State flow outside QPV"], share_series, [q[2] for q in quotas]),
        "<p class='note'>Dark lines: the default floors of the law (25 %, 25 %, 50 %, 30 %); "
        "a scenario may set others (see its file and the table of annual targets below).</p>",
        "<h2>Waiting</h2>",
        _chart(summary, names, "wait_months", ["all", "priority", "other"] + sizes,
               "Median months from registration to attribution", percent=False),
        "<h2>Where and through whom</h2>",
        _bars(summary, names, "attributions", "commune=", "Attributions per commune (mean)"),
        _bars(summary, names, "attributions", "landlord=", "Attributions per landlord (mean)"),
        _bars(summary, names, "attributions", "reservataire=",
              "Attributions per réservataire (mean)"),
        "<h2>Annual targets</h2>", _targets(targets, names),
    ]
    if not failures.empty:
        parts += ["<h2>Failed tasks</h2>",
                  failures[["scenario", "seed", "error"]].to_html(index=False, border=0)]
    parts.append(f"<p class='note'>{escape(note)} Full tables: kpis.csv (summary), "
                 "kpis_by_seed.csv, rounds.csv, targets.csv. Method: docs/scenarios.md."
                 "</p></main></body></html>")
    return "".join(parts)
