"""Bilingual vocabulary of the outputs: outcomes, eligibility rules and quotas.

French first (the language of the commission and of the applicants), English alongside.
Every label is a pair ``(fr, en)``; :func:`both` joins them as ``"fr / en"``.
"""

from __future__ import annotations

OUTCOMES: dict[str, tuple[str, str]] = {
    "housed": ("attribution", "housed"),
    "not_eligible": ("non éligible aux logements souhaités", "not eligible"),
    "no_unit_wished": ("aucun logement souhaité dans ce tour", "no unit wished"),
    "outranked": ("devancé·e par des demandes mieux cotées", "outranked"),
    "held_by_quota": ("écarté·e par un quota", "held back by a quota"),
    "not_reached": ("non atteint·e avant la limite de temps", "not reached in time"),
}

RULES: dict[str, tuple[str, str]] = {
    "income_ceiling": ("plafond de ressources", "income ceiling"),
    "typology": ("typologie adaptée à la taille du ménage", "typology for the household size"),
    "wished_typology": ("typologie souhaitée", "wished typology"),
    "wished_commune": ("commune souhaitée", "wished commune"),
    "rent_burden": ("taux d'effort", "rent burden"),
    "accessibility": ("logement accessible (PMR) requis", "accessible (PMR) unit needed"),
    "reservataire_eligibility": ("éligibilité au contingent du réservataire",
                                 "réservataire eligibility"),
}

#: Quota families (``models.quotas.QuotaRow.family``).
QUOTAS: dict[str, tuple[str, str]] = {
    "priority_min": ("25 % aux publics prioritaires (territoire)",
                     "priority households, whole territory"),
    "priority_min_per_reservataire": ("publics prioritaires par réservataire",
                                      "priority households per réservataire"),
    "state_priority_min": ("contingent de l'État aux publics prioritaires",
                           "State flow to priority households"),
    "state_outside_qpv_min": ("contingent de l'État hors QPV", "State flow outside QPV"),
    "state_agent_max": ("contingent de l'État aux agents de l'État (plafond)",
                        "State flow to State employees (cap)"),
    "q1_outside_qpv_min": ("1er quartile hors QPV", "first income quartile outside QPV"),
    "non_q1_in_qpv_min": ("quartiles 2 à 4 en QPV", "quartiles 2–4 inside QPV"),
    "flow": ("gestion en flux (part du réservataire)", "flow share of a réservataire"),
    "spatial": ("équilibre territorial par commune", "spatial balance per commune"),
}

#: Score breakdown components (``models.cotation.breakdown`` columns).
SCORE_PARTS: dict[str, tuple[str, str]] = {
    "seniority": ("ancienneté", "seniority"),
    "overdue_bonus": ("délai anormalement long", "overdue bonus"),
    "refusal_malus": ("refus", "refusals"),
}


def both(pair: tuple[str, str]) -> str:
    """``"fr / en"`` (a single word when both are the same)."""
    fr, en = pair
    return fr if fr == en else f"{fr} / {en}"


def rule_label(rule: str, lang: int = 1) -> str:
    """A rule's label in French (``lang=0``) or English (``lang=1``)."""
    return RULES.get(rule, (rule, rule))[lang]


def quota_family(name: str) -> str:
    """Family of a quota row from its name (``flow[Silène→etat].min`` → ``flow``)."""
    head = name.split("[", 1)[0].split(".", 1)[0]
    return head


def quota_label(name: str, lang: int = 1) -> str:
    """A quota row in words: its family's label plus what the brackets name."""
    family = quota_family(name)
    base = QUOTAS.get(family, (family, family))[lang]
    if "[" in name:
        inside = name[name.index("[") + 1:name.index("]")]
        tail = name[name.index("]") + 1:].lstrip(".")
        words = {"min": ("minimum", "minimum"), "max": ("maximum", "maximum"),
                 "q1": ("Q1", "Q1"), "priority": ("prioritaires", "priority")}
        extra = " ".join(words.get(p, (p, p))[lang] for p in tail.split(".") if p)
        return f"{base} ({inside}{', ' + extra if extra else ''})"
    return base
