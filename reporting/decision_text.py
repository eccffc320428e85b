"""The plain-words reason of one demand's outcome: English (``reason``), French (``motif``).

Built from one row of facts (the columns of ``decisions.csv`` before the two texts); the
same sentences are printed by ``attribution explain``.
"""

from __future__ import annotations

from typing import Any

from .labels import RULES, quota_label


def _units(n: int, lang: int) -> str:
    if lang == 0:
        return f"{n} logement{'s' if n > 1 else ''}"
    return f"{n} unit{'s' if n != 1 else ''}"


def _others(detail: str, lang: int) -> str:
    """``"rule:count;..."`` beyond the first, in words."""
    parts = [p.split(":") for p in detail.split(";") if p][1:]
    return ", ".join(f"{RULES.get(r, (r, r))[lang]} ({c})" for r, c in parts)


def spatial_why(quota: str) -> tuple[str, str] | None:
    """``(en, fr)`` sentence saying which commune and why, for a spatial-balance row
    (``spatial[Pornichet].priority.max``); ``None`` for any other quota."""
    if not quota.startswith("spatial[") or "]" not in quota:
        return None
    commune = quota[len("spatial["):quota.index("]")]
    parts = quota[quota.index("]") + 1:].strip(".").split(".")
    if len(parts) != 2 or parts[0] not in ("q1", "priority") or parts[1] not in ("min", "max"):
        return None
    group, bound = parts
    g_en = "Q1 (lowest-income quarter)" if group == "q1" else "priority"
    g_fr = "du 1er quartile" if group == "q1" else "prioritaires"
    key = f"spatial_balance.{group}_share"
    if bound == "max":
        return (f"{commune} already has the largest share of {g_en} households among this "
                f"round's attributions that the territorial-balance policy allows ({key}, "
                f"maximum); DALO households are never counted against this maximum.",
                f"{commune} a déjà la part maximale de ménages {g_fr} parmi les attributions "
                f"de ce tour que permet la politique d'équilibre territorial ({key}, "
                f"maximum) ; les ménages DALO ne sont jamais comptés dans ce maximum.")
    return (f"{commune} must keep at least its minimum share of {g_en} households among this "
            f"round's attributions ({key}, minimum).",
            f"{commune} doit garder au moins sa part minimale de ménages {g_fr} parmi les "
            f"attributions de ce tour ({key}, minimum).")


def reason_pair(f: dict[str, Any]) -> tuple[str, str]:
    """``(reason, motif)`` for one demand.

    Parameters
    ----------
    f
        The facts: ``outcome``, ``unit_id``, ``commune``, ``typology``, ``reservataire``,
        ``score``, ``rule``, ``rule_detail``, ``quota``, ``score_gap``,
        ``competitor_score``, ``related_unit_id``, ``wished_units``, ``compatible_units``.
    """
    o, s = f["outcome"], f["score"]
    if o == "housed":
        res = f["reservataire"] or "none (outside the flow)"
        res_fr = f["reservataire"] or "aucun (hors flux)"
        return (f"Housed: unit {f['unit_id']} ({f['commune']}, {f['typology']}), réservataire "
                f"{res}; score {s}.",
                f"Attribution : logement {f['unit_id']} ({f['commune']}, {f['typology']}), "
                f"réservataire {res_fr} ; cotation {s}.")
    if o == "no_unit_wished":
        return ("No unit freed in this round lies in a commune you asked for with a typology "
                "you asked for.",
                "Aucun logement libéré dans ce tour n'est situé dans une commune demandée avec "
                "une typologie demandée.")
    if o == "not_eligible":
        n, rule = f["wished_units"], f["rule"]
        first = f["rule_detail"].split(";")[0].split(":")
        k = first[1] if len(first) > 1 else "?"
        en, fr = _others(f["rule_detail"], 1), _others(f["rule_detail"], 0)
        return (f"{_units(n, 1)} of this round match your wishes, but none is open to you. "
                f"Main reason: {RULES.get(rule, (rule, rule))[1]} (excludes {k} of {n})"
                + (f"; also: {en}." if en else "."),
                f"{_units(n, 0)} de ce tour correspond{'ent' if n > 1 else ''} à vos souhaits, "
                f"mais aucun ne vous est accessible. Raison principale : "
                f"{RULES.get(rule, (rule, rule))[0]} (exclut {k} sur {n})"
                + (f" ; aussi : {fr}." if fr else "."))
    if o == "outranked":
        c, comp, gap = f["compatible_units"], f["competitor_score"], f["score_gap"]
        tie_en = (" Equal scores: the allocation chosen is one of several equally good ones "
                  "(same units let and score sum)." if gap == 0 else "")
        tie_fr = (" À cotation égale, l'allocation retenue est l'une de plusieurs allocations "
                  "aussi bonnes (mêmes attributions et même somme des cotations)."
                  if gap == 0 else "")
        return (f"You could be offered {_units(c, 1)}; each went to a household with a score at "
                f"least as high as yours. The lowest of them scored {comp}, {gap} points more "
                f"than your {s}.{tie_en}",
                f"{_units(c, 0)} pouvai{'en' if c > 1 else ''}t vous être proposé"
                f"{'s' if c > 1 else ''} ; chacun a été attribué à un ménage de cotation au "
                f"moins égale. La plus basse était {comp}, soit {gap} points de plus que votre "
                f"cotation {s}.{tie_fr}")
    if o == "held_by_quota":
        u, comp, q = f["related_unit_id"], f["competitor_score"], f["quota"]
        if comp is None or comp < 0:
            what_en, what_fr = f"unit {u} stayed empty", f"le logement {u} est resté vacant"
        else:
            what_en = f"unit {u} went to a household with a lower score ({comp} < {s})"
            what_fr = f"le logement {u} a été attribué à un ménage moins bien coté ({comp} < {s})"
        why = spatial_why(q)
        why_en, why_fr = (why[0] + " ", why[1] + " ") if why else ("", "")
        return (f"You would come first on score, yet {what_en}: giving it to you would break "
                f"the quota '{quota_label(q, 1)}' ({q}). {why_en}" + (
                    "The allocation is proven the best one that meets every quota."
                    if f.get("proven", True) else "The allocation is the best found within the "
                    "time limit that meets every quota."),
                f"Vous passeriez en premier à la cotation, pourtant {what_fr} : vous "
                f"l'attribuer enfreindrait le quota « {quota_label(q, 0)} » ({q}). {why_fr}" + (
                    "L'allocation retenue est la meilleure qui respecte tous les quotas (prouvé)."
                    if f.get("proven", True) else "L'allocation retenue est la meilleure trouvée "
                    "dans la limite de temps qui respecte tous les quotas."))
    if o == "not_reached":
        u = f["related_unit_id"]
        return (f"The run stopped at its time limit before proving its allocation optimal: unit "
                f"{u} could go to you without breaking any quota and with a better result. "
                f"Re-run with a longer time limit.",
                f"Le calcul s'est arrêté à sa limite de temps avant de prouver l'optimum : le "
                f"logement {u} pourrait vous être attribué sans enfreindre de quota, avec un "
                f"meilleur résultat. Relancer avec une limite de temps plus longue.")
    raise ValueError(f"The outcome must be one of the documented outcomes; got {o!r} instead.")
