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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution.models.io import folders
from attribution.models.household import priority_group
from attribution.models.i18n import N_, _, num, pct
from attribution.models.policy import TYPOLOGIES
from attribution.models.io.readers import sha256
from attribution.reporting.text import labels
from attribution.reporting.pages import svg
from attribution.reporting.files.csv_safe import write_csv
from attribution.reporting.pages.html import card, element, heading, short_label, table
from attribution.reporting.files.manifest import package_version
from attribution.reporting.pages.webpage import page
from attribution.reporting.files.xlsx import write_xlsx
from attribution.scenarios.accounts import annual_check

from .accounts import year_accounts
from .rounds import attributions, events_frame, latest_policy, year_bounds
from .store import Ledger, LedgerError
from .waits import wait_months

CSV_FILES = ("flows", "quotas", "priority", "dalo", "qpv", "communes", "refusals", "waits")
#: Fillers of the tables (kept as written in the CSV files, in words on the page).
NO_REASON, OUTSIDE_FLOW = N_("(no reason given)"), N_("(outside the flow)")
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
    rows.append((OUTSIDE_FLOW, int((att["reservataire"] == "").sum()),
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
    reason = r["reason"].fillna("").astype(str).str.strip().replace("", NO_REASON)
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
            raise LedgerError(_("The ledger holds no round of {year}: there is no policy to "
                                "read the year's targets from.").format(year=year))
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


_BILAN = {"kinds": {"bilan"}, "what": N_("bilan folder")}


def check_bilan_target(out: Path | str, force: bool = False) -> Path:
    """Refuse early a target :func:`write_bilan` would refuse at the end."""
    return folders.check_target(out, force=force, **_BILAN)


def write_bilan(bilan: Bilan, out: Path | str, force: bool = False) -> Path:
    """Write the bilan's files to ``out`` atomically (all or nothing); ``force`` replaces
    only an earlier bilan folder of this tool holding nothing else (models.io.folders)."""
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


#: Codes of the bilan's tables in words, for the page (the CSV files keep the codes).
_CODES = {"reservataire": N_("réservataire"), "landlord": N_("landlord"),
          "landlord_own_flow": N_("landlord's own flow"), "all": N_("all"),
          "outside_qpv": N_("outside QPV"), "in_qpv": N_("in QPV"),
          "q1_or_anru": N_("Q1 or ANRU households"), "non_q1": N_("households above Q1"),
          NO_REASON: NO_REASON, OUTSIDE_FLOW: OUTSIDE_FLOW}


def _words(values) -> list[str]:
    """Codes of a column in words (a réservataire id by its name)."""
    return [_(_CODES[v]) if v in _CODES else labels.reservataire_label(str(v)) for v in values]


def _shown(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        if c in out:
            out[c] = _words(out[c])
    return out


def _cards(s: dict[str, Any]) -> str:
    share = "–" if s["priority_share"] is None or pd.isna(s["priority_share"]) \
        else pct(s["priority_share"])
    wait = "–" if s["median_wait_months"] is None else num(s["median_wait_months"])
    pairs = [(num(s["attributions"]), _("attributions (leases signed)")),
             (num(s["outside_tool"]), _("of which outside the tool")),
             (share, _("share of priority households")),
             (num(s["dalo"]), _("DALO attributions")),
             (f"{s['flows_within_tolerance']} / {s['flows']}", _("flows within tolerance")),
             (f"{num(s['refusals'])} ({num(s['refusals_unjustified'])})",
              _("refusals (of which unjustified)")),
             (wait, _("median observed wait (months)"))]
    return '<div class="cards">' + "".join(card(v, k) for v, k in pairs) + "</div>"


def render_bilan(b: Bilan) -> str:
    """The bilan as one self-contained page in the current language (inline CSS and SVG,
    no script), built from the report's blocks (:mod:`attribution.reporting.pages.html`)."""
    t, s = b.tables, b.summary
    title = _("Annual attributions bilan {year} — {territory}").format(year=b.year,
                                                                       territory=b.territory)
    fl = t["flows"]
    flow_rows = [(f"{r.landlord} → {labels.reservataire_label(r.reservataire)}",
                  0.0 if pd.isna(r.share) else r.share,
                  max(r.target - r.tolerance, 0.0), min(r.target + r.tolerance, 1.0),
                  bool(r.within_tolerance)) for r in fl.itertuples()]
    q = t["quotas"]
    q = q[q["family"] != "flow"] if len(q) else q
    quota_rows = [(short_label(r.quota), 0.0 if pd.isna(r.share) else float(r.share),
                   float(r.target) if r.sense == ">=" else None,
                   float(r.target) if r.sense == "<=" else None, bool(r.met))
                  for r in q.itertuples()]
    q = q.assign(quota=[labels.quota_label(n) for n in q["quota"]]) if len(q) else q
    com = t["communes"]
    ref = t["refusals"]
    w = t["waits"]
    w_typ = w[(w["commune"] == "all") & (w["typology"] != "all")] if len(w) else w
    w_com = w[(w["typology"] == "all") & (w["commune"] != "all")] if len(w) else w
    median, mean = _("median"), _("mean")
    body = [
        element("h1", title),
        element("p", _("Annual accounts of the intercommunal housing conference: each "
                       "attribution is a lease signed in the year, recorded in the ledger "
                       "(attribution record). Aggregates only, no identifier."), "sub"),
        _cards(s),
        heading(_("Flow management: each réservataire's share of each landlord's annual "
                  "flow")),
        element("p", _("Bar: share achieved; grey band: the agreement's target ± tolerance "
                       "(decree 2020-145); green = within tolerance."), "note"),
        svg.target_chart(_("Annual flows"), flow_rows, label_width=380, width=780)
        if flow_rows else
        element("p", _("No flow.")),
        table(_shown(fl, "reservataire"), {
            "landlord": _("landlord"), "reservataire": _("réservataire"),
            "units_let": _("units let"), "landlord_units_let": _("landlord's flow"),
            "share": _("share"), "target": _("target"), "tolerance": _("tolerance"),
            "within_tolerance": _("within tolerance")},
            shares=("share", "target", "tolerance")),
        heading(_("Annual targets (quotas)")),
        svg.target_chart(_("Annual targets"), quota_rows) if quota_rows else "",
        table(q, {"quota": _("target"), "left": _("counted"), "right": _("base"),
                  "share": _("share"), "target": _("goal"), "met": _("met")},
              shares=("share", "target")),
        heading(_("Priority households and DALO per réservataire and per landlord")),
        table(_shown(t["priority"], "group", "name"), {
            "group": _("group"), "name": _("name"), "attributions": _("attributions"),
            "priority": _("priority or DALO"), "dalo": "DALO", "share": _("share"),
            "floor": _("floor"), "met": _("met")}, shares=("share", "floor")),
        heading(_("Priority neighbourhoods (QPV) and the first income quartile (Q1)")),
        table(_shown(t["qpv"], "area", "counted"), {
            "area": _("area"), "counted": _("counted"), "attributions": _("attributions"),
            "count": _("number"), "share": _("share"), "target": _("goal"), "met": _("met")},
            shares=("share", "target")),
        heading(_("Attributions per commune and the spatial balance targets")),
        svg.bar_chart(_("Attributions per commune"), list(com["commune"]),
                      {_("attributions"): list(com["attributions"]),
                       _("of which Q1"): list(com["q1"]),
                       _("of which priority"): list(com["priority"])}) if len(com) else "",
        table(com, {"commune": _("commune"), "attributions": _("attributions"),
                    "q1_share": _("Q1 share"), "q1_min": _("Q1 min"), "q1_max": _("Q1 max"),
                    "priority_share": _("priority share"), "priority_min": _("priority min"),
                    "priority_max": _("priority max"), "within_targets": _("within targets")},
              shares=("q1_share", "q1_min", "q1_max", "priority_share", "priority_min",
                      "priority_max")),
        heading(_("Offers refused, by reason")),
        element("p", _("Only an unjustified refusal of a suitable offer weighs on the "
                       "cotation (refusal malus)."), "note"),
        (svg.bar_chart(_("Refusals by reason"),
                       [(_("justified · ") if j else _("unjustified · ")) + m
                        for j, m in zip(ref["justified"], _words(ref["reason"]))],
                       {_("refusals"): list(ref["refusals"])}) if len(ref) else
         element("p", _("No refusal recorded."))),
        heading(_("Observed wait of the households housed (months, from registration to "
                  "lease)")),
        (svg.bar_chart(_("Median wait by typology"), list(w_typ["typology"]),
                       {median: list(w_typ["months_median"]),
                        mean: list(w_typ["months_mean"])}) if len(w_typ) else
         element("p", _("No lease signed: no observed wait yet."))),
        (svg.bar_chart(_("Median wait by commune"), list(w_com["commune"]),
                       {median: list(w_com["months_median"]),
                        mean: list(w_com["months_mean"])}) if len(w_com) else ""),
        table(_shown(w, "typology", "commune"), {
            "typology": _("typology"), "commune": _("commune"),
            "households": _("households housed"), "months_median": _("median (months)"),
            "months_mean": _("mean (months)")}) if len(w) else "",
        element("p", _("Files: flows.csv, quotas.csv, priority.csv, dalo.csv, qpv.csv, "
                       "communes.csv, refusals.csv, waits.csv, summary.json, bilan.xlsx "
                       "(docs/outputs.md)."), "note"),
    ]
    return page(title, "\n".join(body))
