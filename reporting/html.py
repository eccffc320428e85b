"""``report.html``: one self-contained page (inline CSS and SVG; no script, no download).

Aggregates only, and pseudonymous ids where an id appears at all. Nothing here depends on
the clock or on the solve time, so that the same inputs and seed give the same page.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from . import labels, svg

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;
background:#fafafa;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:32px 0 8px;border-bottom:2px solid
#0072B2;padding-bottom:3px}h3{font-size:1em;margin:18px 0 6px}
.sub{color:#555;margin:0 0 16px}.en{color:#666;font-weight:normal}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{flex:1 1 150px;border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#f6f9fc}
.card b{display:block;font-size:1.4em}.card span{color:#555;font-size:.85em}
table{border-collapse:collapse;margin:6px 0 12px;font-size:.88em}
th,td{border-bottom:1px solid #e2e2e2;padding:3px 9px;text-align:right}
th{background:#f0f3f6;text-align:center}td:first-child,th:first-child{text-align:left}
tr.bad td{background:#fdecea}.ok{color:#007a55}.no{color:#c0392b;font-weight:bold}
.note{font-size:.85em;color:#555}code{font-size:.9em}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
@media print{details{display:block}main{max-width:none}}
"""


def _h2(fr: str, en: str) -> str:
    return f'<h2>{escape(fr)} <span class="en">/ {escape(en)}</span></h2>'


def _table(frame: pd.DataFrame, pct: tuple[str, ...] = ()) -> str:
    """A DataFrame as an HTML table; columns ending in a ``pct`` suffix shown as %."""
    shown = frame.copy()
    for col in shown.columns:
        if (col == "share" or col.endswith(pct or ("_share", "_rate"))) \
                and shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda v: "–" if pd.isna(v) else f"{v:.1%}")
    return shown.to_html(index=False, border=0, escape=True, na_rep="–")


def _card(value: str, fr: str, en: str) -> str:
    return (f'<div class="card"><b>{escape(value)}</b><span>{escape(fr)}<br>'
            f"{escape(en)}</span></div>")


def _summary(meta: dict[str, Any], kpis: dict[str, Any]) -> str:
    gap = kpis.get("gap")
    gap_txt = "–" if gap is None else f"{gap:.4%}"
    status = kpis.get("status", "")
    proof = ("optimum prouvé / proven optimal" if status == "OPTIMAL"
             else f"{status} — écart certifié / certified gap {gap_txt}")
    cards = [
        _card(f"{kpis['units_let']} / {meta['units']}", "logements attribués", "units let"),
        _card(f"{kpis['score_sum']:,}", "somme des cotations", "score sum of housed"),
        _card(gap_txt, "écart certifié", "certified gap"),
        _card(f"{meta['demands']:,}", "demandes en attente", "pending demands"),
    ]
    rows = [("statut / status", proof),
            ("objectif / objective (units, score)", f"{kpis['units_let']}, "
             f"{kpis['score_sum']:,}"),
            ("borne prouvée / proven bound (units, score)",
             ", ".join("–" if b is None else f"{b:,}" for b in kpis.get("bound", []))
             or "–"),
            ("graine / seed", str(meta["seed"])),
            ("version", str(meta["version"]))]
    body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<div class="cards">{"".join(cards)}</div><table>{body}</table>'


def _short_label(name: str) -> str:
    """A quota row's name without its family and bound: ``flow[A→b].min`` → ``A → b``."""
    if "[" not in name:
        return name
    inside = name[name.index("[") + 1:name.index("]")].replace("→", " → ")
    tail = name[name.index("]") + 1:].strip(".").split(".")[0]
    tail = {"q1": "Q1", "priority": "prioritaires / priority"}.get(tail, tail)
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
        return "<p>Aucun quota actif / no quota is enforced.</p>"
    parts = ['<p class="note">Bar: realised share; grey band: allowed range, slack '
             "included; green inside, vermilion outside / barre : part réalisée ; bande "
             "grise : plage autorisée.</p>"]
    for family, group in quotas.groupby("family", sort=False):
        title = labels.both(labels.QUOTAS.get(family, (family, family)))
        parts.append(f"<h3>{escape(title)}</h3>" + svg.target_chart(title, _chart_rows(group)))
    cols = ["name", "sense", "left", "right", "share", "target", "slack", "margin", "tight"]
    shown = quotas[cols].assign(share=quotas["share"].map(
        lambda v: "–" if pd.isna(v) else f"{v:.1%}"), target=quotas["target"].map(
        lambda v: f"{v:.0%}" if round(v * 100, 6).is_integer() else f"{v:.2%}"))
    parts.append("<details><summary>Toutes les lignes / every row "
                 f"({len(quotas)})</summary>{_table(shown)}</details>")
    parts.append("<h3>Prix de chaque quota / the price of each quota</h3>")
    if prices is None:
        parts.append("<p>Non calculé pour ce tour / not computed for this run.</p>")
    elif len(prices):
        costly = (prices["gain_units"].fillna(1) != 0) | (prices["gain_score"].fillna(1) != 0)
        shown = prices.loc[costly, ["label", "gain_units", "gain_score", "status"]]
        shown = shown.sort_values(["gain_units", "gain_score"], ascending=False)
        parts.append((_table(shown) if len(shown) else "<p>Aucun quota liant ne coûte quoi "
                      "que ce soit / no binding quota costs anything.</p>")
                     + '<p class="note">Gain of the objective (units let, score sum) if the '
                     "quota were dropped, re-solved with the same seed.</p>")
        free = prices.loc[~costly, "label"].tolist()
        if free:
            parts.append("<p class='note'>Liants mais sans coût / binding but free: "
                         + escape("; ".join(free)) + ".</p>")
    else:
        parts.append("<p>Aucun quota ne lie l'optimum / no quota binds at the optimum.</p>")
    for c in conflicts:
        rows = c.get("rows", c) if isinstance(c, dict) else c
        lost = c.get("units_lost") if isinstance(c, dict) else None
        parts.append("<p class='no'>Quotas en conflit / conflicting quotas: "
                     + escape(", ".join(map(str, rows)))
                     + (f" — {lost} logement(s) vacant(s) / unit(s) left empty" if lost else "")
                     + "</p>")
    return "".join(parts)


def _breakdowns(agg: dict[str, pd.DataFrame]) -> str:
    c, q, r, i = agg["by_commune"], agg["by_qpv"], agg["by_reservataire"], \
        agg["by_income_quartile"]
    return "".join([
        _h2("Attributions par commune", "attributions by commune"),
        svg.bar_chart("units freed and let by commune", c["commune"].tolist(),
                      {"freed / libérés": c["units_freed"], "let / attribués": c["units_let"]}),
        _table(c),
        _h2("QPV et hors QPV", "inside and outside QPV"),
        svg.bar_chart("units freed and let, QPV / non-QPV", q["location"].tolist(),
                      {"freed / libérés": q["units_freed"], "let / attribués": q["units_let"]}),
        _table(q),
        _h2("Par réservataire", "by réservataire"),
        svg.bar_chart("attributions by réservataire", r["reservataire"].tolist(),
                      {"attributions": r["attributions"], "priority / prioritaires":
                       r["priority"]}),
        _table(r),
        _h2("Par quartile de revenu", "by income quartile"),
        svg.bar_chart("share of demands and of attributions by income quartile (%)",
                      i["quartile"].tolist(),
                      {"demands / demandes %": (100 * i["demand_share"].fillna(0)).round(1),
                       "attributions %": (100 * i["attribution_share"].fillna(0)).round(1)}),
        _table(i),
    ])


def _decisions_section(outcomes: pd.DataFrame, blocking: pd.DataFrame,
                       scores: dict[str, np.ndarray], shortlists: dict[str, Any]) -> str:
    shown = outcomes.assign(label=[labels.both(labels.OUTCOMES.get(o, (o, o)))
                                   for o in outcomes["outcome"]])
    parts = [_h2("Décisions par demande", "outcome of every demand"),
             svg.bar_chart("demands by outcome", shown["outcome"].tolist(),
                           {"demands": shown["demands"]}),
             _table(shown[["label", "outcome", "demands", "share"]])]
    if len(blocking):
        b = blocking.assign(label=[labels.both(labels.RULES.get(x, (x, x)))
                                   for x in blocking["rule"]])
        parts += ["<h3>Règle bloquante principale / main blocking rule (not eligible)</h3>",
                  _table(b[["label", "rule", "demands"]])]
    parts += [_h2("Distribution des cotations", "score distributions"),
              svg.histogram("scores of housed and not housed demands", scores),
              _h2("Listes de candidats", "shortlists (CCH R441-3)"),
              _table(pd.DataFrame({"mesure / measure": list(shortlists),
                                   "valeur / value": [str(v) for v in shortlists.values()]})),
              '<p class="note">Rank 1 is the optimal choice; the next ranks are the best '
              "alternatives with the cost of choosing them (shortlists.csv). PLAI-A units and "
              "DALO designations may have fewer than three candidates (CCH R441-3).</p>"]
    return "".join(parts)


def _observed_section(observed: pd.DataFrame | None) -> str:
    """Median months from registration to lease of the households housed in the 12
    months before the round, per size class (from a ledger), or that none exists yet."""
    if observed is None or len(observed) == 0:
        return ("<p>Aucun chiffre observé pour l'instant : le registre ne contient pas encore "
                "de bail signé. / No observed figure exists yet (no lease in a ledger). "
                "L'ancienneté des demandes en attente n'est pas un délai d'attente.</p>")
    by_size = observed[observed["commune"] == "*"].sort_values("size_class")
    table = pd.DataFrame({"taille / size": by_size["size_class"].astype(int),
                          "ménages logés / households housed": by_size["households"],
                          "médiane (mois) / median months": by_size["months_median"],
                          "moyenne (mois) / mean months": by_size["months_mean"].round(1)})
    return ("<p class='note'>Ménages logés dans les 12 mois précédant le tour, de "
            "l'inscription au bail (registre) ; chaque demande reçoit celui de son segment "
            "dans decisions.csv. / Households housed in the 12 months before the round, "
            "registration to lease (ledger); per demand in decisions.csv.</p>"
            + _table(table))


def render_report(*, meta: dict[str, Any], kpis: dict[str, Any],
                  aggregates: dict[str, pd.DataFrame], quotas: pd.DataFrame,
                  prices: pd.DataFrame | None, scores: dict[str, np.ndarray],
                  shortlists: dict[str, Any],
                  observed: pd.DataFrame | None = None) -> str:
    """The whole page.

    Parameters
    ----------
    meta
        ``territory``, ``round_date``, ``source``, ``seed``, ``version``, ``demands``,
        ``units``, ``inputs`` (file name → SHA-256).
    kpis
        ``status``, ``units_let``, ``score_sum``, ``bound``, ``gap``, ``conflicts``.
    aggregates
        The tables of :mod:`reporting.aggregates` (``by_commune``, ``by_qpv``,
        ``by_reservataire``, ``by_income_quartile``, ``outcomes``, ``blocking``).
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
    title = f"Attributions — {meta['territory']} — {meta['round_date']}"
    inputs = "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(v[:16])}…</code></td></tr>"
                     for k, v in sorted(meta.get("inputs", {}).items()))
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">Tour d\'attribution / allocation round · source '
        f"<code>{escape(str(meta['source']))}</code> · identifiants pseudonymes / "
        "pseudonymous ids only</p>",
        _h2("Synthèse", "summary"), _summary(meta, kpis),
        _breakdowns(aggregates),
        _h2("Quotas et objectifs", "each quota against its target"),
        _quota_section(quotas, prices, kpis.get("conflicts", [])),
        _decisions_section(aggregates["outcomes"], aggregates["blocking"], scores, shortlists),
        _h2("Délai d'attente observé", "observed waiting time"), _observed_section(observed),
        _h2("Reproductibilité", "reproducibility"),
        "<p class='note'>Input files (SHA-256, full values in manifest.json):</p>",
        f"<table>{inputs}</table>" if inputs else "<p class='note'>in-memory territory</p>",
        "<p class='note'>Cotation is a decision aid (CCH L441-2-8); every demand's "
        "outcome, score breakdown, rank among similar demands and reason are in "
        "decisions.csv, and <code>attribution explain RESULTS DEMAND_ID</code> prints them "
        "(CRPA L311-3-1, CCH R441-2-17).</p>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
            + "\n".join(body) + "</main></body></html>\n")
