"""``attribution bilan LEDGER --year YYYY --out DIR``: the CIL's annual bilan.

Every figure counts the year's **attributions** = ``lease_signed`` events dated in the
year (:func:`attribution.ledger.rounds.attributions`), each with the unit's landlord,
commune, QPV and flow status and the household's flags as the ledger recorded them. The
annual targets are read by the quota rules themselves (:mod:`attribution.ledger.accounts`
then :func:`scenarios.accounts.annual_check`): shares with no slack, each flow within
``share ± tolerance`` of the landlord's annual flow, each commune's range with the
policy's ``slack_units``. The policy is the one of the year's latest round.

Files (``docs/outputs.md``, section "Annual bilan"): flows.csv, quotas.csv, priority.csv,
dalo.csv, qpv.csv, communes.csv, refusals.csv, waits.csv, summary.json, bilan.xlsx,
bilan.html. Aggregates only: no demand id, no free text but the refusal reasons' counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution.models import folders
from attribution.models.household import priority_group
from attribution.models.i18n import language
from attribution.models.policy import TYPOLOGIES
from attribution.models.readers import sha256
from attribution.reporting import svg
from attribution.reporting.csv_safe import write_csv
from attribution.reporting.manifest import package_version
from attribution.reporting.webpage import page
from attribution.reporting.xlsx import write_xlsx
from attribution.scenarios.accounts import annual_check

from .accounts import year_accounts
from .rounds import attributions, events_frame, latest_policy, year_bounds
from .store import Ledger, LedgerError
from .waits import wait_months

CSV_FILES = ("flows", "quotas", "priority", "dalo", "qpv", "communes", "refusals", "waits")
STATE = "etat"


@dataclass(frozen=True)
class Bilan:
    year: int
    territory: str
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]


def _share(num, den) -> float:
    return float(num) / float(den) if den else float("nan")


def flows_table(policy, check: pd.DataFrame) -> pd.DataFrame:
    rows = []
    by_name = check.set_index("name") if len(check) else check
    for f in policy.flows:
        name = f"flow[{f.landlord}→{f.reservataire}]"
        lo = by_name.loc[name + ".min"] if name + ".min" in by_name.index else None
        hi = by_name.loc[name + ".max"] if name + ".max" in by_name.index else None
        let = int(lo["left"]) if lo is not None else 0
        base = int(lo["right"]) if lo is not None else 0
        ok = all(bool(x["met"]) for x in (lo, hi) if x is not None)
        rows.append({"landlord": f.landlord, "reservataire": f.reservataire, "units_let": let,
                     "landlord_units_let": base, "share": _share(let, base),
                     "target": f.share, "tolerance": f.tolerance, "within_tolerance": ok})
    return pd.DataFrame(rows, columns=["landlord", "reservataire", "units_let",
                                       "landlord_units_let", "share", "target", "tolerance",
                                       "within_tolerance"])


def quotas_table(check: pd.DataFrame) -> pd.DataFrame:
    if len(check) == 0:
        return pd.DataFrame(columns=["quota", "family", "sense", "left", "right", "share",
                                     "target", "slack", "margin", "met", "description"])
    return pd.DataFrame({"quota": check["name"], "family": check["family"],
                         "sense": check["sense"], "left": check["left"],
                         "right": check["right"], "share": check["realised"],
                         "target": check["target"], "slack": check["slack"],
                         "margin": check["margin"], "met": check["met"],
                         "description": check["description"]})


def priority_table(policy, att: pd.DataFrame) -> pd.DataFrame:
    """Priority (priority or DALO) share per réservataire and per landlord."""
    q = policy.quotas
    pri = priority_group(att["priority"], att["dalo"])
    rows = []
    for rid in policy.reservataire_ids:
        m = att["reservataire"] == rid
        floor = q.state_priority_min if rid == STATE else q.priority_min_per_reservataire
        rows.append(("reservataire", rid, int(m.sum()), int((m & pri).sum()),
                     int((m & att["dalo"]).sum()), floor))
    for ll in sorted(set(att["landlord"]) | set(policy.landlords)):
        m = att["landlord"] == ll
        rows.append(("landlord", ll, int(m.sum()), int((m & pri).sum()),
                     int((m & att["dalo"]).sum()), None))
        own = m & (att["reservataire"] == "bailleur")
        rows.append(("landlord_own_flow", ll, int(own.sum()), int((own & pri).sum()),
                     int((own & att["dalo"]).sum()), q.priority_min_per_reservataire))
    rows.append(("all", "all", len(att), int(pri.sum()), int(att["dalo"].sum()),
                 q.priority_min))
    out = pd.DataFrame(rows, columns=["group", "name", "attributions", "priority", "dalo",
                                      "floor"])
    out["share"] = [_share(p, n) for p, n in zip(out["priority"], out["attributions"])]
    out["met"] = [True if pd.isna(f) or f is None or n == 0 else p >= f * n
                  for p, n, f in zip(out["priority"], out["attributions"], out["floor"])]
    return out[["group", "name", "attributions", "priority", "dalo", "share", "floor",
                "met"]]


def dalo_table(policy, att: pd.DataFrame) -> pd.DataFrame:
    rows = [(rid, int((att["reservataire"] == rid).sum()),
             int(((att["reservataire"] == rid) & att["dalo"]).sum()))
            for rid in policy.reservataire_ids]
    rows.append(("(outside the flow)", int((att["reservataire"] == "").sum()),
                 int(((att["reservataire"] == "") & att["dalo"]).sum())))
    rows.append(("all", len(att), int(att["dalo"].sum())))
    out = pd.DataFrame(rows, columns=["reservataire", "attributions", "dalo"])
    out["dalo_share"] = [_share(d, n) for d, n in zip(out["dalo"], out["attributions"])]
    return out


def qpv_table(policy, check: pd.DataFrame) -> pd.DataFrame:
    rows = []
    by = check.set_index("name") if len(check) else check
    for name, area, what in (("q1_outside_qpv_min", "outside_qpv", "q1_or_anru"),
                             ("non_q1_in_qpv_min", "in_qpv", "non_q1")):
        target = getattr(policy.quotas, name)
        if name in by.index:
            r = by.loc[name]
            rows.append((area, what, int(r["right"]), int(r["left"]), _share(r["left"], r["right"]),
                         target, bool(r["met"])))
        else:
            rows.append((area, what, 0, 0, float("nan"), target, True))
    return pd.DataFrame(rows, columns=["area", "counted", "attributions", "count", "share",
                                       "target", "met"])


def communes_table(policy, att: pd.DataFrame, check: pd.DataFrame) -> pd.DataFrame:
    sb = policy.spatial_balance
    by = check.set_index("name") if len(check) else check
    rows = []
    for commune in sorted(set(policy.territory.communes) | set(att["commune"])):
        m = att["commune"] == commune
        n, q1 = int(m.sum()), int((m & att["q1"]).sum())
        pri = int((m & priority_group(att["priority"], att["dalo"])).sum())
        met = all(bool(by.loc[f"spatial[{commune}].{g}.{s}"]["met"])
                  for g in ("q1", "priority") for s in ("min", "max")
                  if f"spatial[{commune}].{g}.{s}" in by.index)
        rows.append({"commune": commune, "attributions": n, "q1": q1,
                     "q1_share": _share(q1, n),
                     "q1_min": sb.q1_share[0] if sb and sb.q1_share else None,
                     "q1_max": sb.q1_share[1] if sb and sb.q1_share else None,
                     "priority": pri, "priority_share": _share(pri, n),
                     "priority_min": sb.priority_share[0] if sb and sb.priority_share else None,
                     "priority_max": sb.priority_share[1] if sb and sb.priority_share else None,
                     "slack_units": sb.slack_units if sb else None, "within_targets": met})
    return pd.DataFrame(rows)


def refusals_table(events: pd.DataFrame) -> pd.DataFrame:
    r = events[events["event"] == "offer_refused"]
    cols = ["justified", "reason", "refusals"]
    if r.empty:
        return pd.DataFrame(columns=cols)
    reason = r["reason"].fillna("").astype(str).str.strip().replace("", "(no reason given)")
    out = (pd.DataFrame({"justified": r["justified"].astype(bool), "reason": reason})
           .groupby(["justified", "reason"]).size().rename("refusals").reset_index())
    return out.sort_values(["justified", "refusals", "reason"],
                           ascending=[True, False, True], kind="mergesort")[cols]


def waits_table(att: pd.DataFrame) -> pd.DataFrame:
    """Observed wait (months from registration to lease) by typology × commune of the
    unit let, with ``all`` rows per typology and per commune and overall."""
    cols = ["typology", "commune", "households", "months_median", "months_mean"]
    if att.empty:
        return pd.DataFrame(columns=cols)
    f = pd.DataFrame({"typology": att["typology"].to_numpy(),
                      "commune": att["commune"].to_numpy(), "months": wait_months(att)})
    parts = []
    for keys in (["typology", "commune"], ["typology"], ["commune"], []):
        if keys:
            g = f.groupby(keys)["months"]
            t = pd.DataFrame({"households": g.size(), "months_median": g.median(),
                              "months_mean": g.mean()}).reset_index()
        else:
            t = pd.DataFrame({"households": [len(f)], "months_median": [f["months"].median()],
                              "months_mean": [f["months"].mean()]})
        for k in ("typology", "commune"):
            if k not in t:
                t[k] = "all"
        parts.append(t[cols])
    out = pd.concat(parts, ignore_index=True)
    order = {t: i for i, t in enumerate(TYPOLOGIES + ("all",))}
    out["_o"] = out["typology"].map(order)
    return out.sort_values(["_o", "commune"], kind="mergesort").drop(columns="_o").reset_index(
        drop=True)


def compute_bilan(ledger: Ledger, year: int) -> Bilan:
    """Every table of the bilan of ``year`` (module docstring).

    Raises
    ------
    LedgerError
        The ledger holds no round of that year (no policy to read the targets from).
    """
    start, end = year_bounds(year)
    with ledger.reading() as conn:
        policy = latest_policy(conn, year)
        if policy is None:
            raise LedgerError(f"The ledger holds no round of {year}: there is no policy to "
                              "read the year's targets from.")
        att = attributions(conn, year)
        events = events_frame(conn, since=start, until=end)
        from . import schema
        import sqlalchemy as sa
        r = schema.rounds
        rounds = conn.execute(sa.select(r.c.status, sa.func.count()).where(
            r.c.year == year).group_by(r.c.status)).all()
    att = att.sort_values(["event_date", "unit_id"], kind="mergesort").reset_index(drop=True)
    check = annual_check(year_accounts(policy, att))
    tables = {"flows": flows_table(policy, check), "quotas": quotas_table(check),
              "priority": priority_table(policy, att), "dalo": dalo_table(policy, att),
              "qpv": qpv_table(policy, check), "communes": communes_table(policy, att, check),
              "refusals": refusals_table(events), "waits": waits_table(att)}
    pri = priority_group(att["priority"], att["dalo"])
    ref = events[events["event"] == "offer_refused"]
    summary = {
        "year": year, "territory": policy.territory.name,
        "rounds": {s: int(n) for s, n in rounds},
        "attributions": len(att), "outside_tool": int(att["outside_tool"].sum()),
        "priority": int(pri.sum()), "priority_share": _share(pri.sum(), len(att)),
        "priority_floor": policy.quotas.priority_min, "dalo": int(att["dalo"].sum()),
        "refusals": len(ref), "refusals_unjustified": int((ref["justified"] == False).sum()),  # noqa: E712
        "flows_within_tolerance": int(tables["flows"]["within_tolerance"].sum()),
        "flows": len(tables["flows"]),
        "quotas_met": int(tables["quotas"]["met"].sum()) if len(check) else 0,
        "quotas": len(tables["quotas"]),
        "median_wait_months": (float(tables["waits"]["months_median"].iloc[-1])
                               if len(att) else None),
    }
    return Bilan(year, policy.territory.name, tables, summary)


def _json_default(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return None if np.isnan(x) else float(x)
    return str(x)


def _clean(obj):
    if isinstance(obj, float) and np.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    return obj


_BILAN = {"kinds": {"bilan"}, "what": "bilan folder"}


def check_bilan_target(out: Path | str, force: bool = False) -> Path:
    """Refuse early a target :func:`write_bilan` would refuse at the end."""
    return folders.check_target(out, force=force, **_BILAN)


def write_bilan(bilan: Bilan, out: Path | str, force: bool = False) -> Path:
    """Write the bilan's files to ``out`` atomically (all or nothing); ``force`` replaces
    only an earlier bilan folder of this tool holding nothing else (models.folders)."""
    with folders.atomic_folder(out, force=force, **_BILAN) as tmp:
        for name in CSV_FILES:
            write_csv(bilan.tables[name], tmp / f"{name}.csv")  # neutralised (typed reasons)
        (tmp / "summary.json").write_text(json.dumps(_clean(bilan.summary), indent=2,
                                                     ensure_ascii=False,
                                                     default=_json_default) + "\n",
                                          encoding="utf-8")
        write_xlsx(tmp / "bilan.xlsx", bilan.tables)
        (tmp / "bilan.html").write_text(render_bilan(bilan), encoding="utf-8")
        outputs = {f.name: sha256(f) for f in sorted(tmp.iterdir())}
        (tmp / "manifest.json").write_text(json.dumps(
            {"tool": "attribution", "version": package_version(), "kind": "bilan",
             "year": bilan.year, "territory": bilan.territory, "outputs": outputs},
            indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Path(out).absolute()


def _h2(fr: str) -> str:
    return f"<h2>{escape(fr)}</h2>"


def _pct(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.1%}"


def _html_table(frame: pd.DataFrame, headers: dict[str, str], pct=()) -> str:
    shown = frame[list(headers)].copy()
    for c in pct:
        shown[c] = shown[c].map(_pct)
    for c in shown.columns:
        if shown[c].dtype == bool:
            shown[c] = shown[c].map({True: "oui", False: "NON"})
    shown.columns = list(headers.values())
    return shown.to_html(index=False, border=0, escape=True, na_rep="–")


def render_bilan(b: Bilan) -> str:
    """The bilan as one self-contained French page (inline CSS and SVG, no script)."""
    t, s = b.tables, b.summary
    title = f"Bilan annuel des attributions {b.year} — {b.territory}"
    cards = "".join(
        f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in [
            ("attributions (baux signés)", str(s["attributions"])),
            ("dont hors outil", str(s["outside_tool"])),
            ("part des publics prioritaires", _pct(s["priority_share"])),
            ("attributions DALO", str(s["dalo"])),
            ("flux dans la tolérance", f"{s['flows_within_tolerance']} / {s['flows']}"),
            ("refus (dont non justifiés)", f"{s['refusals']} ({s['refusals_unjustified']})"),
            ("délai médian observé (mois)", "–" if s["median_wait_months"] is None
             else f"{s['median_wait_months']:.0f}")])
    fl = t["flows"]
    flow_rows = [(f"{r.landlord} → {r.reservataire}", 0.0 if pd.isna(r.share) else r.share,
                  max(r.target - r.tolerance, 0.0), min(r.target + r.tolerance, 1.0),
                  bool(r.within_tolerance)) for r in fl.itertuples()]
    q = t["quotas"]
    q = q[q["family"] != "flow"] if len(q) else q
    quota_rows = [(r.quota, 0.0 if pd.isna(r.share) else float(r.share),
                   float(r.target) if r.sense == ">=" else None,
                   float(r.target) if r.sense == "<=" else None, bool(r.met))
                  for r in q.itertuples()]
    com = t["communes"]
    ref = t["refusals"]
    w = t["waits"]
    w_typ = w[(w["commune"] == "all") & (w["typology"] != "all")] if len(w) else w
    w_com = w[(w["typology"] == "all") & (w["commune"] != "all")] if len(w) else w
    body = [
        f"<h1>{escape(title)}</h1>",
        '<p class="sub">Comptes annuels de la conférence intercommunale du logement : '
        "chaque attribution est un bail signé dans l'année, enregistré dans le registre "
        "(<code>attribution record</code>). Agrégats uniquement, aucun identifiant.</p>",
        f'<div class="cards">{cards}</div>',
        _h2("Gestion en flux : part de chaque réservataire dans le flux annuel de chaque "
            "bailleur"),
        "<p class='note'>Barre : part réalisée ; zone grise : objectif ± tolérance de la "
        "convention (décret 2020-145) ; vert = dans la tolérance.</p>",
        svg.target_chart("Flux annuels", flow_rows) if flow_rows else "<p>Aucun flux.</p>",
        _html_table(fl, {"landlord": "bailleur", "reservataire": "réservataire",
                         "units_let": "logements attribués",
                         "landlord_units_let": "flux du bailleur", "share": "part",
                         "target": "objectif", "tolerance": "tolérance",
                         "within_tolerance": "dans la tolérance"},
                    pct=("share", "target", "tolerance")),
        _h2("Objectifs annuels (quotas)"),
        svg.target_chart("Objectifs annuels", quota_rows) if quota_rows else "",
        _html_table(q, {"quota": "objectif", "left": "comptés", "right": "base",
                        "share": "part", "target": "cible", "met": "atteint"},
                    pct=("share", "target")),
        _h2("Publics prioritaires et DALO par réservataire et par bailleur"),
        _html_table(t["priority"], {"group": "groupe", "name": "nom",
                                    "attributions": "attributions",
                                    "priority": "prioritaires ou DALO", "dalo": "DALO",
                                    "share": "part", "floor": "plancher", "met": "atteint"},
                    pct=("share", "floor")),
        _h2("Quartiers prioritaires (QPV) et premier quartile de ressources (Q1)"),
        _html_table(t["qpv"], {"area": "secteur", "counted": "comptés",
                               "attributions": "attributions", "count": "nombre",
                               "share": "part", "target": "cible", "met": "atteint"},
                    pct=("share", "target")),
        _h2("Attributions par commune et objectifs d'équilibre territorial"),
        svg.bar_chart("Attributions par commune", list(com["commune"]),
                      {"attributions": list(com["attributions"]),
                       "dont Q1": list(com["q1"]),
                       "dont prioritaires": list(com["priority"])}) if len(com) else "",
        _html_table(com, {"commune": "commune", "attributions": "attributions",
                          "q1_share": "part Q1", "q1_min": "Q1 min", "q1_max": "Q1 max",
                          "priority_share": "part prioritaires",
                          "priority_min": "prioritaires min",
                          "priority_max": "prioritaires max",
                          "within_targets": "dans les objectifs"},
                    pct=("q1_share", "q1_min", "q1_max", "priority_share", "priority_min",
                         "priority_max")),
        _h2("Refus d'offres par motif"),
        "<p class='note'>Seul un refus non justifié d'une offre adaptée pèse sur la "
        "cotation (malus de refus).</p>",
        (svg.bar_chart("Refus par motif", [("justifié · " if j else "non justifié · ") + m
                                           for j, m in zip(ref["justified"], ref["reason"])],
                       {"refus": list(ref["refusals"])}) if len(ref) else
         "<p>Aucun refus enregistré.</p>"),
        _h2("Délai d'attente observé des ménages logés (mois, de l'inscription au bail)"),
        (svg.bar_chart("Délai médian par typologie", list(w_typ["typology"]),
                       {"médiane": list(w_typ["months_median"]),
                        "moyenne": list(w_typ["months_mean"])}) if len(w_typ) else
         "<p>Aucun bail signé : pas encore de délai observé.</p>"),
        (svg.bar_chart("Délai médian par commune", list(w_com["commune"]),
                       {"médiane": list(w_com["months_median"]),
                        "moyenne": list(w_com["months_mean"])}) if len(w_com) else ""),
        _html_table(w, {"typology": "typologie", "commune": "commune",
                        "households": "ménages logés", "months_median": "médiane (mois)",
                        "months_mean": "moyenne (mois)"}) if len(w) else "",
        "<p class='note'>Fichiers : flows.csv, quotas.csv, priority.csv, dalo.csv, qpv.csv, "
        "communes.csv, refusals.csv, waits.csv, summary.json, bilan.xlsx "
        "(docs/outputs.md).</p>",
    ]
    with language("fr"):  # the page's text is French (lang="fr")
        return page(title, "\n".join(body))
