"""The commission agenda (« ordre du jour de la CALEOL »): per landlord, one entry per
unit of the round with its characteristics, its réservataire and its ranked candidates
(the shortlist: ≥ 3 when three are eligible, CCH R441-3), each with the score breakdown,
the household's composition, income against the unit's ceiling, rent burden and why the
candidate stands at that rank.

Two forms: :func:`agenda_table` (a sheet of ``results.xlsx``, one row per candidate) and
:func:`render_agenda` (``agenda.html``: printable, one unit per page). Demands appear by
their pseudonymous id only. The agenda holds household composition and incomes: it is
for the commission, not for publication (``docs/outputs.md``).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from attribution.models.ceilings import income_ceilings
from attribution.models.household import household_category
from attribution.models.i18n import N_, _, date, ngettext, num, pct
from attribution.models.policy import FINANCINGS, TYPOLOGIES
from attribution.models.problem import AllocationProblem

from ..text import labels
from ..text.people import breakdown_text
from ..pages.webpage import page

#: Columns of the agenda table, in order.
AGENDA_COLUMNS = (
    "landlord", "unit_id", "commune", "qpv", "typology", "rooms", "surface_m2", "rent",
    "financing", "pmr", "available_on", "unit_reservataire", "rank", "demand_id",
    "assigned", "score", "score_breakdown", "household_size", "adults",
    "children_under_14", "priority", "dalo", "annual_income", "income_ceiling",
    "income_to_ceiling", "monthly_income", "housing_allowance", "rent_burden",
    "max_rent_burden", "reason",
)


def _el(tag: str, text, cls: str | None = None) -> str:
    """One element holding escaped text."""
    attr = f' class="{cls}"' if cls else ""
    return f"<{tag}{attr}>{escape(str(text))}</{tag}>"


def agenda_table(problem: AllocationProblem, shortlists: pd.DataFrame,
                 decisions: pd.DataFrame,
                 names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per (unit, candidate) of the shortlists, plus one row per unit without any
    candidate; units in landlord then unit order, candidates by rank.

    ``reason`` is the shortlist's reason in the current language; the score breakdown is
    in words.
    """
    t = problem.territory
    u, d, pol = t.units, t.demands, t.policy
    landlords = np.array(pol.landlords, dtype=object)
    communes = np.array(pol.territory.communes, dtype=object)
    typ = np.array(TYPOLOGIES, dtype=object)
    fin = np.array(FINANCINGS, dtype=object)
    uidx = {k: i for i, k in enumerate(u.ids)}
    didx = {k: i for i, k in enumerate(d.ids)}
    sl = shortlists
    if len(sl):
        ui = sl["unit_id"].map(uidx).to_numpy(dtype=np.int64)
        di = sl["demand_id"].map(didx).to_numpy(dtype=np.int64)
    else:
        ui = di = np.zeros(0, dtype=np.int64)
    # units without any candidate still get their page
    missing = np.setdiff1d(np.arange(len(u)), ui)
    all_u = np.concatenate([ui, missing])
    has = np.concatenate([np.ones(len(ui), bool), np.zeros(len(missing), bool)])
    all_d = np.concatenate([di, np.zeros(len(missing), np.int64)])
    cat = household_category(d)
    ceilings = income_ceilings(pol.territory.ceilings_year, u.financing[all_u], cat[all_d])
    monthly = d.monthly_income[all_d]
    net_rent = u.rent[all_u] - d.housing_allowance[all_d]
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(monthly > 0, net_rent / monthly, np.nan)
        to_ceiling = np.where(ceilings > 0, d.annual_income[all_d] / ceilings, np.nan)
    breakdown = dict(zip(decisions["demand_id"], decisions["score_breakdown"]))
    res_named = np.array(list(pol.reservataire_ids) + [""], dtype=object)[u.reservataire]
    unit_res = np.where(u.outside_flow, "", res_named)

    def cand(values, fill=None):
        """Per candidate row: arrays over all rows are masked, shortlist columns padded."""
        values = np.asarray(values, dtype=object)
        if len(values) == len(ui) and len(values) != len(all_u):
            values = np.concatenate([values, np.full(len(missing), fill, dtype=object)])
        return np.where(has, values, fill)

    frame = pd.DataFrame({
        "landlord": landlords[u.landlord[all_u]],
        "unit_id": u.ids[all_u],
        "commune": communes[u.commune[all_u]],
        "qpv": u.qpv[all_u],
        "typology": typ[u.typology[all_u]],
        "rooms": u.rooms[all_u],
        "surface_m2": u.surface_m2[all_u],
        "rent": u.rent[all_u],
        "financing": fin[u.financing[all_u]],
        "pmr": u.pmr[all_u],
        "available_on": pd.to_datetime(u.available_on[all_u]),
        "unit_reservataire": unit_res[all_u],
        "rank": cand(sl["rank"].to_numpy(), None) if len(sl) else [None] * len(all_u),
        "demand_id": cand(d.ids[all_d], ""),
        "assigned": cand(sl["assigned"].to_numpy(), None) if len(sl) else [None] * len(all_u),
        "reservataire": cand(sl["reservataire"].fillna("").to_numpy(), "") if len(sl)
        else [""] * len(all_u),
        "score": cand(problem.scores[all_d], None),
        "score_breakdown": cand([breakdown_text(breakdown.get(k, "")) for k in d.ids[all_d]],
                                ""),
        "household_size": cand(d.household_size[all_d], None),
        "adults": cand(d.adults[all_d], None),
        "children_under_14": cand(d.children_under_14[all_d], None),
        "priority": cand(d.priority[all_d], None),
        "dalo": cand(d.dalo[all_d], None),
        "annual_income": cand(d.annual_income[all_d], None),
        "income_ceiling": cand(ceilings, None),
        "income_to_ceiling": cand(to_ceiling, None),
        "monthly_income": cand(monthly, None),
        "housing_allowance": cand(d.housing_allowance[all_d], None),
        "rent_burden": cand(burden, None),
        "max_rent_burden": pol.eligibility.max_rent_burden,
        "reason": cand(sl["reason"].to_numpy(), "") if len(sl) else [""] * len(all_u),
    })
    if names is not None:   # --with-names: right after the pseudonymous id
        frame.insert(frame.columns.get_loc("demand_id") + 1, "name",
                     [names.get(k, "") if h else "" for k, h in zip(d.ids[all_d], has)])
    frame["_u"] = all_u
    frame["_r"] = pd.to_numeric(frame["rank"], errors="coerce").fillna(0)
    frame = frame.sort_values(["landlord", "_u", "_r"], kind="stable")
    frame = frame.drop(columns=["_u", "_r"]).reset_index(drop=True)
    for c in ("rank", "score", "household_size", "adults", "children_under_14"):
        frame[c] = pd.array(frame[c].to_numpy(dtype=object), dtype="Int64") \
            if frame[c].notna().any() else frame[c]
    for c in ("annual_income", "income_ceiling", "income_to_ceiling", "monthly_income",
              "housing_allowance", "rent_burden"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return frame


#: Agenda columns not in :data:`labels.COLUMNS`, as people read them.
HEADERS = {
    "rooms": N_("Rooms"), "surface_m2": N_("Surface (m²)"),
    "rent": N_("Rent and charges (€/month)"), "pmr": N_("Accessible (PMR)"),
    "available_on": N_("Available on"), "unit_reservataire": N_("Unit's réservataire"),
    "household_size": N_("Household size"), "adults": N_("Adults"),
    "children_under_14": N_("Children under 14"),
    "annual_income": N_("Reference income (€/year)"),
    "income_ceiling": N_("Income ceiling (€/year)"), "income_to_ceiling": N_("Income / ceiling"),
    "monthly_income": N_("Monthly resources (€)"),
    "housing_allowance": N_("Housing allowance (€/month)"), "rent_burden": N_("Rent burden"),
    "max_rent_burden": N_("Maximum rent burden"), "name": N_("Name"),
}


def header(column: str) -> str:
    """The agenda's column header in the current language."""
    if column in HEADERS:
        return _(HEADERS[column])
    return labels.column_label(column)


def _yes(v) -> str:
    return _("Yes") if bool(v) else _("No")


def _money(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{num(v)}\u00a0€"


_CSS = """
.unit{break-after:page;page-break-after:always;border-top:3px solid #0072B2;
margin-top:28px;padding-top:6px}
.unit:last-child{break-after:auto;page-break-after:auto}
.landlord{font-size:1.35em;margin:36px 0 0;color:#0072B2}
dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:4px 16px;
margin:8px 0 12px}
dl.facts div{border-bottom:1px solid #eee}dl.facts dt{font-size:.78em;color:#555}
dl.facts dd{margin:0;font-weight:600}
.cand td:nth-child(n+2){text-align:right}.cand td.txt{text-align:left;min-width:11em}
.cand td.why{text-align:left;min-width:20em}.cand td.num{white-space:nowrap}
.cand tr.chosen td{background:#eaf4ec}
@media print{.unit{border-top:none;margin-top:0}.landlord{margin-top:0}}
"""


def render_agenda(table: pd.DataFrame, meta: dict) -> str:
    """``agenda.html``: per landlord, one printed page per unit (print CSS)."""
    title = _("Commission agenda (CALEOL) — {territory} — round of {date}").format(
        territory=meta["territory"], date=date(meta["round_date"]))
    body = [f"<h1>{escape(title)}</h1>",
            _el("p", _("One page per unit, landlord by landlord. Candidates are ranked by "
                       "the optimisation (rank 1 = the proposed attribution); pseudonymous "
                       "demand ids only. Confidential: for the commission members."), "sub")]
    if not len(table):
        body.append(_el("p", _("No unit in this round.")))
    # the rows as tuples once (not once per unit: ~1 ms of pandas each)
    records = list(table.reset_index(drop=True).itertuples())
    for landlord, group in table.reset_index(drop=True).groupby("landlord", sort=False):
        units = group["unit_id"].unique()
        body.append(f'<h2 class="landlord">{escape(str(landlord))} — '
                    + escape(ngettext("{n} unit", "{n} units", len(units)).format(
                        n=num(len(units)))) + "</h2>")
        for unit_id, rows in group.groupby("unit_id", sort=False):
            body.append(_unit_page(rows, [records[i] for i in rows.index]))
    return page(title, "".join(body), extra_css=_CSS)


def _chosen(records: list) -> str:
    """The réservataire the optimisation chose for a unit not pre-oriented (rank 1)."""
    first = [c for c in records if str(c.assigned) == "True"]
    if first:
        rid = str(first[0].reservataire)
        return _("{reservataire} (chosen by the optimisation)").format(
            reservataire=labels.reservataire_label(rid))
    return _("chosen by the optimisation")


def _unit_page(rows: pd.DataFrame, records: list) -> str:
    """One unit's page; ``records`` are ``rows`` as ``itertuples`` tuples."""
    r = dict(zip(rows.columns, records[0][1:]))     # the first row (itertuples: quicker)
    res = r["unit_reservataire"]
    facts = [
        (_("Commune"), r["commune"] + (" (QPV)" if r["qpv"] else "")),
        (_("Typology"), f"{r['typology']} · " + ngettext("{n} room", "{n} rooms",
                                                         int(r["rooms"])).format(
            n=int(r["rooms"]))),
        (_("Surface"), f"{num(r['surface_m2'], 1 if r['surface_m2'] % 1 else 0)}\u00a0m²"),
        (_("Rent and charges"), _money(r["rent"]) + _("/month")),
        (_("Financing"), r["financing"]),
        (_("Accessible (PMR)"), _yes(r["pmr"])),
        (_("Available on"), date(pd.Timestamp(r["available_on"]).date())),
        (_("Réservataire"), labels.reservataire_label(res) if res else _chosen(records)),
    ]
    dl = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(str(v))}</dd></div>" for k, v in facts)
    unit_title = _("Unit {unit}").format(unit=r["unit_id"])
    head = (f'<section class="unit"><h3>{escape(unit_title)}</h3>'
            f'<dl class="facts">{dl}</dl>')
    cands = [c for c in records if c.demand_id != ""]
    if not cands:
        return head + _el("p", _("No eligible candidate in this round: the unit stays "
                                 "vacant.")) + "</section>"
    n = len(cands)
    note = ""
    if n < 3:
        few = ngettext("Only {n} eligible candidate (CCH R441-3 asks for three when three "
                       "are eligible).", "Only {n} eligible candidates (CCH R441-3 asks for "
                       "three when three are eligible).", n).format(n=n)
        note = f'<p class="note">{escape(few)}</p>'
    named = "name" in rows.columns
    cols = [_("Rank"), _("Demand"), *([_("Name")] if named else []), _("Score"),
            _("Household"), _("Income / ceiling"), _("Rent burden"), _("Why this rank")]
    trs = []
    for c in cands:
        household = ngettext("{n} person", "{n} persons", int(c.household_size)).format(
            n=int(c.household_size))
        household += " (" + _("{a} adults, {c} children under 14").format(
            a=int(c.adults), c=int(c.children_under_14)) + ")"
        flags = [x for x, on in ((_("DALO"), c.dalo),
                                 (_("priority"), c.priority and not c.dalo)) if on]
        if flags:
            household += " · " + ", ".join(flags)
        income = (f"{_money(c.annual_income)} / {_money(c.income_ceiling)} "
                  f"({pct(c.income_to_ceiling, 0)})")
        burden = pct(c.rent_burden, 1) if pd.notna(c.rent_burden) else "–"
        why = c.reason + (" " + _("Score: {parts}.").format(parts=c.score_breakdown)
                          if c.score_breakdown else "")
        cls = ' class="chosen"' if c.assigned is True or str(c.assigned) == "True" else ""
        name = f'<td class="txt">{escape(str(c.name))}</td>' if named else ""
        trs.append(f"<tr{cls}><td>{int(c.rank)}</td><td>{escape(str(c.demand_id))}</td>"
                   f"{name}<td>{num(c.score)}</td><td class=\"txt\">{escape(household)}</td>"
                   f'<td class="txt">{escape(income)}</td><td class="num">{escape(burden)}</td>'
                   f'<td class="why">{escape(why)}</td></tr>')
    table = ('<div class="scroll"><table class="cand"><thead><tr>'
             + "".join(f"<th>{escape(h)}</th>" for h in cols) + "</tr></thead><tbody>"
             + "".join(trs) + "</tbody></table></div>")
    return head + note + table + "</section>"
