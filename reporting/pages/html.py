"""``report.html``: one self-contained page (inline CSS and SVG; no script, no download),
in the current language (French by default), readable from 400 px to print.

Aggregates only, and pseudonymous ids where an id appears at all. Nothing here depends on
the clock or on the solve time, so that the same inputs and seed give the same page.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from attribution.models.i18n import N_, _, date, num, pct

from ..text import labels
from . import svg
from ..text.people import people_tables, status_label
from .webpage import page
from ..files.xlsx import is_share


def _el(tag: str, text, cls: str | None = None) -> str:
    """One element holding escaped text."""
    attr = f' class="{cls}"' if cls else ""
    return f"<{tag}{attr}>{escape(str(text))}</{tag}>"


def _h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def _cell(column: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, np.integer)):
        return num(int(value))
    if isinstance(value, (float, np.floating)):
        if is_share(column):
            return pct(float(value))
        return num(float(value), 0 if float(value).is_integer() else 2)
    return str(value)


def _table(frame: pd.DataFrame, headers: dict[str, str] | None = None,
           shares: tuple[str, ...] = ()) -> str:
    """A table for people: translated headers, French numbers, inside a scrolling box.

    ``headers`` (column → header, already in the current language) chooses and names the
    columns shown (all of them, named by :func:`labels.column_label`, by default);
    ``shares`` are shown as percentages whatever their names."""
    if headers is not None:
        frame = frame[list(headers)]
    names = headers or {c: labels.column_label(str(c)) for c in frame.columns}
    head = "".join(f"<th>{escape(names[c])}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        rows.append("<tr>" + "".join(
            f"<td>{escape(_share_cell(v) if c in shares else _cell(str(c), v))}</td>"
            for c, v in zip(frame.columns, rec)) + "</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def _share_cell(value) -> str:
    return "–" if value is None or value is pd.NA or pd.isna(value) else pct(float(value))


def _card(value: str, text: str) -> str:
    return f'<div class="card"><b>{escape(value)}</b><span>{escape(text)}</span></div>'


def _summary(meta: dict[str, Any], kpis: dict[str, Any]) -> str:
    gap = kpis.get("gap")
    gap_txt = "–" if gap is None else pct(gap, 4)
    status = kpis.get("status", "")
    proof = (_("proven optimum") if status == "OPTIMAL" else
             _("{status} — certified gap {gap}").format(status=status_label(status),
                                                         gap=gap_txt))
    cards = [
        _card(f"{num(kpis['units_let'])} / {num(meta['units'])}", _("units let")),
        _card(num(kpis["score_sum"]), _("score sum of the households housed")),
        _card(gap_txt, _("certified gap")),
        _card(num(meta["demands"]), _("pending demands")),
    ]
    bound = ", ".join("–" if b is None else num(b) for b in kpis.get("bound", [])) or "–"
    rows = [(_("status"), proof),
            (_("objective (units let, score sum)"),
             f"{num(kpis['units_let'])}, {num(kpis['score_sum'])}"),
            (_("proven bound (units let, score sum)"), bound),
            (_("seed"), str(meta["seed"])), (_("version"), str(meta["version"]))]
    body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return (f'<div class="cards">{"".join(cards)}</div>'
            f'<div class="scroll"><table>{body}</table></div>')


def _short_label(name: str) -> str:
    """A quota row's chart label: what the brackets name (``A → b``, a commune) and group."""
    if "[" not in name:
        return labels.quota_label(name)
    inside = name[name.index("[") + 1:name.index("]")]
    if "→" in inside:
        landlord, rid = inside.split("→", 1)
        inside = f"{landlord} → {labels.reservataire_label(rid)}"
    elif labels.quota_family(name) == "priority_min_per_reservataire":
        inside = labels.reservataire_label(inside)
    tail = name[name.index("]") + 1:].strip(".").split(".")[0]
    tail = {"q1": _("first quartile"), "priority": _("priority households")}.get(tail, tail)
    return f"{inside} · {tail}" if tail and tail not in ("min", "max") else inside


def _chart_rows(group: pd.DataFrame) -> list[tuple]:
    """One chart row per quota (its ``.min`` and ``.max`` rows merged into one range)."""
    rows: dict[str, list] = {}
    for r in group.itertuples():
        key = r.name[:-4] if r.name.endswith((".min", ".max")) else r.name
        share = 0.0 if pd.isna(r.share) else float(r.share)
        entry = rows.setdefault(key, [_short_label(r.name), share, None, None, True])
        if pd.notna(r.target_low):
            entry[2] = float(r.target_low)
        if pd.notna(r.target_high):
            entry[3] = float(r.target_high)
        entry[4] = entry[4] and bool(r.satisfied)
    return [tuple(v) for v in rows.values()]


def _quota_section(quotas: pd.DataFrame, prices: pd.DataFrame | None, conflicts: list) -> str:
    if not len(quotas):
        return _el("p", _("No quota is enforced."))
    parts = [_el("p", _("Bar: realised share; grey band: allowed range, slack included; "
                        "green inside, vermilion outside."), "note")]
    for family, group in quotas.groupby("family", sort=False):
        title = labels.quota_family_label(family)
        parts.append(f"<h3>{escape(title)}</h3>" + svg.target_chart(title, _chart_rows(group)))
    cols = ["name", "sense", "left", "right", "share", "target", "slack", "margin", "tight"]
    shown = quotas[cols].assign(name=quotas["name"].map(labels.quota_label))
    summary = _("Every row ({n})").format(n=len(quotas))
    parts.append(f"<details><summary>{escape(summary)}</summary>{_table(shown)}</details>")
    parts.append(_el("h3", _("The price of each quota")))
    if prices is None:
        parts.append(_el("p", _("Not computed for this run.")))
    elif len(prices):
        costly = (prices["gain_units"].fillna(1) != 0) | (prices["gain_score"].fillna(1) != 0)
        shown = people_tables({"quota_prices": prices.loc[costly]})["quota_prices"]
        shown = shown[["label", "gain_units", "gain_score", "status"]].sort_values(
            ["gain_units", "gain_score"], ascending=False)
        parts.append((_table(shown) if len(shown) else
                      _el("p", _("No binding quota costs anything.")))
                     + _el("p", _("Gain of the objective (units let, score sum) if the quota "
                                  "were dropped, re-solved with the same seed."), "note"))
        free = people_tables({"quota_prices": prices.loc[~costly]})["quota_prices"]["label"]
        if len(free):
            parts.append('<p class="note">' + escape(_("Binding but free: {quotas}.").format(
                quotas=_("; ").join(free))) + "</p>")
    else:
        parts.append(_el("p", _("No quota binds at the optimum.")))
    for c in conflicts:
        rows = c.get("rows", c) if isinstance(c, dict) else c
        lost = c.get("units_lost") if isinstance(c, dict) else None
        text = _("Conflicting quotas: {quotas}").format(
            quotas=_("; ").join(labels.quota_label(str(r)) for r in rows))
        if lost:
            text += " — " + _("{n} unit(s) left empty").format(n=lost)
        parts.append(f"<p class='no'>{escape(text)}</p>")
    return "".join(parts)


def _breakdowns(agg: dict[str, pd.DataFrame]) -> str:
    shown = people_tables({k: v for k, v in agg.items()})
    c, q, r, i = shown["by_commune"], shown["by_qpv"], shown["by_reservataire"], \
        shown["by_income_quartile"]
    freed, let = _("freed"), _("let")
    parts = [
        _h2(_("Attributions by commune")),
        svg.bar_chart(_("units freed and let by commune"), c["commune"].tolist(),
                      {freed: c["units_freed"], let: c["units_let"]}),
        _table(c),
        _h2(_("Inside and outside QPV")),
        svg.bar_chart(_("units freed and let, QPV / non-QPV"), q["location"].tolist(),
                      {freed: q["units_freed"], let: q["units_let"]}),
        _table(q),
    ]
    if "by_landlord" in shown:
        b = shown["by_landlord"]
        parts += [_h2(_("By landlord")),
                  svg.bar_chart(_("attributions by landlord"), b["landlord"].tolist(),
                                {freed: b["units_freed"], let: b["units_let"],
                                 _("DALO"): b["dalo"],
                                 _("other priority households"): b["other_priority"]}),
                  _table(b),
                  _el("p", _("DALO households are counted apart from the other priority "
                             "households (CCH L441-1); priority = DALO + other priority "
                             "households."), "note")]
    parts += [
        _h2(_("By réservataire")),
        svg.bar_chart(_("attributions by réservataire"), r["reservataire"].tolist(),
                      {_("attributions"): r["attributions"], _("DALO"): r["dalo"],
                       _("other priority households"): r["other_priority"]}),
        _table(r),
        _h2(_("By income quartile")),
        svg.bar_chart(_("share of demands and of attributions by income quartile (%)"),
                      i["quartile"].tolist(),
                      {_("demands %"): (100 * i["demand_share"].fillna(0)).round(1),
                       _("attributions %"): (100 * i["attribution_share"].fillna(0)).round(1)}),
        _table(i),
    ]
    return "".join(parts)


def _decisions_section(outcomes: pd.DataFrame, blocking: pd.DataFrame,
                       scores: dict[str, np.ndarray], shortlists: dict[str, Any]) -> str:
    shown = people_tables({"outcomes": outcomes})["outcomes"]
    shown_sl = {k: v for k, v in shortlists.items() if k not in _SHORTLIST_HIDDEN}
    parts = [_h2(_("Outcome of every demand")),
             svg.bar_chart(_("demands by outcome"), shown["outcome"].tolist(),
                           {_("demands"): shown["demands"]}),
             _table(shown[["outcome", "demands", "share"]])]
    if len(blocking):
        b = people_tables({"blocking": blocking})["blocking"]
        parts += [_el("h3", _("Main blocking rule (not eligible)")), _table(b)]
    parts += [_h2(_("Score distributions")),
              svg.histogram(_("scores of housed and not housed demands"), scores),
              _h2(_("Shortlists (CCH R441-3)")),
              _table(pd.DataFrame({_("measure"): [_shortlist_key(k) for k in shown_sl],
                                   _("value"): [_shortlist_value(v)
                                                for v in shown_sl.values()]})),
              _el("p", _("Rank 1 is the optimal choice; the next ranks are the best "
                         "alternatives with the cost of choosing them (shortlists.csv). CCH "
                         "R441-3 allows fewer than three candidates only when fewer are "
                         "eligible, for a DALO household designated by the préfet on the "
                         "State's flow, and for PLAI-adapté units."), "note")]
    short = shortlists.get("short_units") or []
    if short:
        table = pd.DataFrame({
            "unit_id": [r["unit_id"] for r in short],
            "eligible_candidates": [r["eligible"] for r in short],
            "exemption": [
                ", ".join(labels.exemption_label(e) for e in str(r["exemption"]).split(";") if e)
                or "—" for r in short]})
        parts += [_el("h3", _("Units with fewer than three candidates (CCH R441-3)")),
                  _table(table)]
    return "".join(parts)


_SHORTLIST_KEYS = {
    "units": N_("units of the round"),
    "units_with_candidates": N_("units with at least one eligible candidate"),
    "units_with_3_or_more": N_("units with at least three candidates"),
    "units_short_of_candidates": N_("units with fewer than three eligible candidates"),
    "exempt_units": N_("units exempt (fewer eligible, PLAI-A unit, DALO designation)"),
    "pricing": N_("how alternatives are priced"),
}
#: Developer detail kept in kpis.json (and the log), not shown to people.
_SHORTLIST_HIDDEN = {"pricing_reason", "short_units", "short_units_by_exemption"}


def _shortlist_key(key: str) -> str:
    return _(_SHORTLIST_KEYS[key]) if key in _SHORTLIST_KEYS else key.replace("_", " ")


def _shortlist_value(value) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return num(int(value))
    if isinstance(value, str):
        return labels.cost_method_label(value)
    return str(value)


def _observed_section(observed: pd.DataFrame | None) -> str:
    """Median months from registration to lease of the households housed in the 12
    months before the round, per size class (from a ledger), or that none exists yet."""
    if observed is None or len(observed) == 0:
        return _el("p", _("No observed figure exists yet: the ledger holds no signed lease. "
                          "The seniority of pending demands is not a waiting time."))
    by_size = observed[observed["commune"] == "*"].sort_values("size_class")
    table = pd.DataFrame({"household_size": by_size["size_class"].astype(int),
                          "households_housed": by_size["households"],
                          "months_median": by_size["months_median"],
                          "months_mean": by_size["months_mean"].round(1)})
    return (_el("p", _("Households housed in the 12 months before the round, from "
                       "registration to lease (ledger); each demand gets its segment's figure "
                       "in decisions.csv."), "note") + _table(table))


def render_report(*, meta: dict[str, Any], kpis: dict[str, Any],
                  aggregates: dict[str, pd.DataFrame], quotas: pd.DataFrame,
                  prices: pd.DataFrame | None, scores: dict[str, np.ndarray],
                  shortlists: dict[str, Any],
                  observed: pd.DataFrame | None = None) -> str:
    """The whole page, in the current language.

    Parameters
    ----------
    meta
        ``territory``, ``round_date``, ``source``, ``seed``, ``version``, ``demands``,
        ``units``, ``inputs`` (file name → SHA-256).
    kpis
        ``status``, ``units_let``, ``score_sum``, ``bound``, ``gap``, ``conflicts``.
    aggregates
        The tables of :mod:`reporting.tables.aggregates` (``by_commune``, ``by_qpv``,
        ``by_reservataire``, ``by_landlord`` (optional), ``by_income_quartile``,
        ``outcomes``, ``blocking``).
    quotas
        Attainment rows with ``target_low`` / ``target_high`` for the charts.
    prices
        The price of each binding quota (``None`` = not computed).
    scores
        Series name → scores, for the histogram.
    shortlists
        Summary counts of the shortlists.
    observed
        Observed waits of housed households per segment, from a ledger (``None`` or empty:
        no observed figure exists yet).
    """
    title = _("Attributions — {territory} — round of {date}").format(
        territory=meta["territory"], date=date(meta["round_date"]))
    inputs = "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(v[:16])}…</code></td></tr>"
                     for k, v in sorted(meta.get("inputs", {}).items()))
    body = [
        f"<h1>{escape(title)}</h1>",
        _el("p", _("Allocation round · source {source} · pseudonymous ids only").format(
            source=meta["source"]), "sub"),
        _h2(_("Summary")), _summary(meta, kpis),
        _breakdowns(aggregates),
        _h2(_("Each quota against its target")),
        _quota_section(quotas, prices, kpis.get("conflicts", [])),
        _decisions_section(aggregates["outcomes"], aggregates["blocking"], scores, shortlists),
        _h2(_("Observed waiting time")), _observed_section(observed),
        _h2(_("Reproducibility")),
        _el("p", _("Input files (SHA-256, full values in manifest.json):"), "note"),
        f'<div class="scroll"><table>{inputs}</table></div>' if inputs else
        _el("p", _("in-memory territory"), "note"),
        _el("p", _("The cotation is a decision aid (CCH L441-2-8); every demand’s outcome, "
                   "score breakdown, rank among similar demands and reason are in "
                   "decisions.csv; “attribution explain RESULTS DEMAND_ID” prints them and "
                   "“attribution letters RESULTS --out DIR” writes one letter per applicant "
                   "(CRPA L311-3-1, CCH R441-2-17). The commission agenda is agenda.html."),
            "note"),
    ]
    return page(title, "\n".join(body))


#: The building blocks shared with the other pages for people (the ledger's bilan): an
#: element holding escaped text, a section title, a figure card, a table for people, a
#: quota row's short chart label.
element, heading, card, table, short_label = _el, _h2, _card, _table, _short_label
