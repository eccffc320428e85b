"""The vocabulary of the outputs for people: outcomes, rules, quotas, réservataires,
column and sheet names — every label is an English message of the catalogue
(:mod:`attribution.models.i18n`), shown in the current language (French by default).

The ``(fr, en)`` pairs of the outcomes (:data:`OUTCOMES`, for callers that print both
languages) are read from the same catalogue.
"""

from __future__ import annotations

from attribution.models.i18n import N_, _, current, translations

_OUTCOMES = {
    "housed": N_("housed"),
    "not_eligible": N_("not eligible for the units wished"),
    "no_unit_wished": N_("no unit wished in this round"),
    "outranked": N_("outranked by higher-scored demands"),
    "held_by_quota": N_("held back by a quota"),
    "not_reached": N_("not reached within the time limit"),
}

_RULES = {
    "income_ceiling": N_("income ceiling"),
    "typology": N_("typology for the household size"),
    "wished_typology": N_("wished typology"),
    "wished_commune": N_("wished commune"),
    "rent_burden": N_("rent burden"),
    "accessibility": N_("accessible (PMR) unit needed"),
    "reservataire_eligibility": N_("réservataire eligibility"),
}

#: Quota families (``models.quotas.QuotaRow.family``).
_QUOTAS = {
    "priority_min": N_("priority households, whole territory"),
    "priority_min_per_reservataire": N_("priority households per réservataire"),
    "state_priority_min": N_("State flow to priority households"),
    "state_outside_qpv_min": N_("State flow outside QPV"),
    "state_agent_max": N_("State flow to State employees (cap)"),
    "q1_outside_qpv_min": N_("first income quartile outside QPV"),
    "non_q1_in_qpv_min": N_("quartiles 2–4 inside QPV"),
    "flow": N_("flow share of a réservataire"),
    "spatial": N_("spatial balance per commune"),
}

_SCORE_PARTS = {
    "seniority": N_("seniority"),
    "overdue_bonus": N_("abnormally long wait"),
    "refusal_malus": N_("refusals"),
}

_RESERVATAIRES = {
    "etat": N_("State"),
    "action_logement": N_("Action Logement"),
    "commune": N_("Communes"),
    "bailleur": N_("Landlord's own flow"),
    "": N_("outside the flow"),
    "(outside flow)": N_("outside the flow"),
}

_COST_METHODS = {
    "optimal": N_("optimal choice"),
    "exact": N_("exact re-solve"),
    "lower_bound": N_("lower bound"),
    "swap_bound": N_("direct exchange (upper bound)"),
    "none": N_("not priced"),
}

_EXEMPTIONS = {
    "fewer_eligible": N_("fewer than three eligible"),
    "plai_a_unit": N_("PLAI-adapté unit"),
    "dalo_designation": N_("DALO designation"),
}

_LOCATIONS = {"QPV": N_("QPV"), "non-QPV": N_("outside QPV")}

#: ``decisions.csv`` ``observed_wait_basis`` (with ``--ledger``).
_WAIT_BASES = {"segment": N_("similar households"),
               "size_class": N_("households of the same size, all communes"),
               "none": N_("no observed figure yet")}

#: Column of a results table → its header for people.
COLUMNS = {
    "unit_id": N_("Unit"), "demand_id": N_("Demand"), "reservataire": N_("Réservataire"),
    "landlord": N_("Landlord"), "commune": N_("Commune"), "qpv": N_("QPV"),
    "score": N_("Score"), "typology": N_("Typology"), "financing": N_("Financing"),
    "outside_flow": N_("Outside the flow"), "priority": N_("Priority household"),
    "dalo": N_("DALO"), "q1": N_("First quartile"), "income_quartile": N_("Income quartile"),
    "rank": N_("Rank"), "assigned": N_("Assigned"), "cost_units": N_("Cost (units let)"),
    "cost_score": N_("Cost (score points)"), "cost_method": N_("How the cost is known"),
    "in_optimum": N_("Unit in the optimum"), "exemption": N_("Exemption (CCH R441-3)"),
    "eligible_candidates": N_("Eligible candidates"), "reason": N_("Reason"),
    "outcome": N_("Outcome"), "score_breakdown": N_("Score breakdown"),
    "segment": N_("Similar demands"), "rank_in_segment": N_("Rank among similar demands"),
    "segment_size": N_("Number of similar demands"),
    "segment_typical_wait_months": N_("Typical wait (months)"),
    "segment_score_median": N_("Median score of similar demands"),
    "rule": N_("Blocking rule"), "rule_detail": N_("Every blocking rule"),
    "quota": N_("Quota"), "quota_detail": N_("Every quota broken"),
    "score_gap": N_("Score gap"), "competitor_score": N_("Competitor's score"),
    "related_unit_id": N_("Unit concerned"), "wished_units": N_("Units wished"),
    "compatible_units": N_("Compatible units"), "name": N_("Quota row"),
    "family": N_("Family"), "policy_key": N_("Policy key"), "sense": N_("Sense"),
    "left": N_("Attributions counted"), "right": N_("Base"), "share": N_("Share"),
    "target": N_("Target"), "slack": N_("Slack (units)"), "satisfied": N_("Met"),
    "margin": N_("Margin (attributions)"), "tight": N_("Binding"),
    "description": N_("Description"), "label": N_("Quota"), "tight_rows": N_("Binding rows"),
    "gain_units": N_("Gain (units let)"), "gain_score": N_("Gain (score points)"),
    "status": N_("Status"), "units_freed": N_("Units freed"), "units_let": N_("Units let"),
    "let_rate": N_("Let rate"), "priority_share": N_("Priority share"),
    "q1_share": N_("First-quartile share"), "location": N_("Location"),
    "attributions": N_("Attributions"), "non_qpv": N_("Outside QPV"),
    "non_qpv_share": N_("Share outside QPV"), "quartile": N_("Quartile"),
    "demands": N_("Demands"), "demand_share": N_("Share of demands"),
    "attribution_share": N_("Share of attributions"), "housing_rate": N_("Housing rate"),
    "dalo_share": N_("DALO share"), "priority_households": N_("Priority households"),
    "q1_households": N_("First-quartile households"),
    "other_priority": N_("Other priority households"),
    "other_priority_share": N_("Share of other priority households"),
    "household_size": N_("Household size"), "households_housed": N_("Households housed"),
    "months_median": N_("Median (months)"), "months_mean": N_("Mean (months)"),
    "observed_wait_months": N_("Observed wait (months)"),
    "observed_wait_households": N_("Households housed behind the observed wait"),
    "observed_wait_basis": N_("Observed wait: households compared"),
}

#: Table of the results folder → its sheet name (≤ 31 characters in both languages).
SHEETS = {
    "agenda": N_("Commission agenda"), "assignments": N_("Attributions"),
    "shortlists": N_("Candidates"), "decisions": N_("Decisions"), "quotas": N_("Quotas"),
    "quota_prices": N_("Price of quotas"), "by_commune": N_("By commune"),
    "by_qpv": N_("QPV"), "by_landlord": N_("By landlord"),
    "by_reservataire": N_("By réservataire"), "by_income_quartile": N_("By income quartile"),
    "outcomes": N_("Outcomes"), "blocking": N_("Blocking rules"),
}


def _pairs(table: dict[str, str]) -> dict[str, tuple[str, str]]:
    fr = translations("fr")
    return {k: (fr.gettext(v), v) for k, v in table.items()}


OUTCOMES: dict[str, tuple[str, str]] = _pairs(_OUTCOMES)


def _lookup(table: dict[str, str], code: str) -> str:
    return _(table[code]) if code in table else code


def outcome_label(code: str) -> str:
    """An outcome in words, in the current language."""
    return _lookup(_OUTCOMES, code)


def rule_label(rule: str) -> str:
    """A rule in words, in the current language."""
    return _lookup(_RULES, rule)


def quota_family_label(family: str) -> str:
    return _lookup(_QUOTAS, family)


def score_part_label(name: str) -> str:
    """A part of the score breakdown (``seniority``, ``bonus_dalo``, ``rubric_x``)."""
    if name in _SCORE_PARTS:
        return _(_SCORE_PARTS[name])
    if name.startswith("bonus_"):
        return _("bonus: {criterion}").format(criterion=criterion_label(name[6:]))
    if name.startswith("rubric_"):
        return _("rubric “{rubric}”").format(rubric=name[7:])
    return name


_CRITERIA = {
    "dalo": N_("DALO household"), "priority": N_("priority household"),
    "homeless": N_("homeless"), "hosted": N_("hosted by a third party"),
    "violence": N_("domestic violence"), "eviction": N_("eviction"),
    "overcrowded": N_("overcrowded housing"), "single_parent": N_("single parent"),
    "disability": N_("disability"), "mutation": N_("transfer request"),
    "shelter": N_("in a shelter"), "unfit_housing": N_("unfit housing"),
    "high_rent_burden": N_("excessive rent burden"),
}


def criterion_label(name: str) -> str:
    """A cotation criterion column in words (the column name when unknown)."""
    return _lookup(_CRITERIA, name)


def reservataire_label(rid: str) -> str:
    """A réservataire id in words (``etat`` → ``État``); other ids as written."""
    return _lookup(_RESERVATAIRES, rid)


def cost_method_label(code: str) -> str:
    return _lookup(_COST_METHODS, code)


def exemption_label(code: str) -> str:
    return _lookup(_EXEMPTIONS, code)


def wait_basis_label(code: str) -> str:
    return _lookup(_WAIT_BASES, code)


def location_label(code: str) -> str:
    return _lookup(_LOCATIONS, code)


def column_label(column: str) -> str:
    """A results column's header for people (the column name when it has none)."""
    return _lookup(COLUMNS, column)


def sheet_label(table: str) -> str:
    """A results table's sheet name (≤ 31 characters)."""
    return _lookup(SHEETS, table)[:31]


def quota_family(name: str) -> str:
    """Family of a quota row from its name (``flow[Silène→etat].min`` → ``flow``)."""
    return name.split("[", 1)[0].split(".", 1)[0]


_ELIDE = None


def _elide(text: str) -> str:
    """French elision before a vowel or a mute h: ``de Atlantique`` → ``d’Atlantique``."""
    global _ELIDE
    if current() != "fr":
        return text
    if _ELIDE is None:
        import re
        _ELIDE = re.compile(r"\b([Dd])e (?=[AEIOUYÂÀÉÈÊÎÔÛHaeiouyâàéèêîôûh])")
    return _ELIDE.sub(lambda m: f"{m.group(1)}’", text)


def quota_label(name: str, lang: int | None = None) -> str:
    return _elide(_quota_label(name, lang))


def _quota_label(name: str, lang: int | None = None) -> str:
    """A quota row in plain words, never its internal name.

    ``spatial[Pornichet].priority.max`` → "le plafond de ménages prioritaires de
    Pornichet" (French) / "the ceiling of priority households in Pornichet" (English).
    ``lang`` = 0 (French) or 1 (English) forces a language; otherwise the current one.
    """
    if lang is not None:
        from attribution.models.i18n import language
        with language("fr" if lang == 0 else "en"):
            return quota_label(name)
    family = quota_family(name)
    inside = name[name.index("[") + 1:name.index("]")] if "[" in name else ""
    tail = [p for p in name[name.index("]") + 1:].split(".") if p] if "[" in name else []
    if family == "priority_min":
        return _("the territory-wide minimum of priority households")
    if family == "priority_min_per_reservataire":
        who = inside.split("→", 1)
        if len(who) == 2:  # a landlord's own flow: <landlord>→bailleur
            return _("the minimum of priority households in the own flow of {landlord}"
                     ).format(landlord=who[0])
        if inside == "bailleur":
            return _("the minimum of priority households in the landlords' own flows")
        return _("the minimum of priority households in the flow of {reservataire}").format(
            reservataire=reservataire_label(inside))
    if family == "state_priority_min":
        return _("the minimum of priority households in the State's flow")
    if family == "state_outside_qpv_min":
        return _("the minimum of the State's flow outside QPV")
    if family == "state_agent_max":
        return _("the cap on State employees in the State's flow at {landlord}").format(
            landlord=inside)
    if family == "q1_outside_qpv_min":
        return _("the minimum of first-quartile households outside QPV")
    if family == "non_q1_in_qpv_min":
        return _("the minimum of households above the first quartile inside QPV")
    if family == "flow" and "→" in inside:
        landlord, rid = inside.split("→", 1)
        if rid == "bailleur":
            msg = (_("the maximum share of {landlord}'s own flow") if tail[-1:] == ["max"]
                   else _("the minimum share of {landlord}'s own flow"))
            return msg.format(landlord=landlord)
        msg = (_("the maximum share of {landlord}'s units for {reservataire}")
               if tail[-1:] == ["max"] else
               _("the minimum share of {landlord}'s units for {reservataire}"))
        return msg.format(landlord=landlord, reservataire=reservataire_label(rid))
    if family == "spatial" and len(tail) == 2:
        group, bound = tail
        table = {("priority", "max"): N_("the ceiling of priority households in {commune}"),
                 ("priority", "min"): N_("the floor of priority households in {commune}"),
                 ("q1", "max"): N_("the ceiling of first-quartile households in {commune}"),
                 ("q1", "min"): N_("the floor of first-quartile households in {commune}")}
        if (group, bound) in table:
            return _(table[(group, bound)]).format(commune=inside)
    base = quota_family_label(family)
    return f"{base} ({inside})" if inside else base
