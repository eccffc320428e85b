"""The sentence explaining why a candidate stands at its rank of a unit's shortlist.

English (``reason``) and French (``motif``), from the pricing facts of
:mod:`reporting.shortlists`.
"""

from __future__ import annotations


def _cost(units: int, score: int, lang: int) -> str:
    if units == 0:
        return (f"{score} points de cotation, sans attribution en moins" if lang == 0
                else f"{score} score points, with as many units let")
    if lang == 0:
        return (f"{units} logement{'s' if abs(units) > 1 else ''} attribué"
                f"{'s' if abs(units) > 1 else ''} et {score} points de cotation")
    return f"{units} unit{'s' if abs(units) != 1 else ''} let and {score} score points"


def _where(housed_in: str, lang: int) -> str:
    if lang == 0:
        return f"logé·e en {housed_in} dans l'optimum" if housed_in else "non logé·e dans l'optimum"
    return f"housed in {housed_in} in the optimum" if housed_in else "not housed in the optimum"


def reason_pair(rank: int, assigned: bool, method: str, cost_units: int, cost_score: int,
                score: int, broken: str, housed_in: str) -> tuple[str, str]:
    """``(reason, motif)`` for one shortlist row.

    Parameters
    ----------
    rank, assigned
        Rank on the list and whether this is the optimum's choice.
    method
        ``optimal``, ``exact``, ``lower_bound``, ``swap_bound`` or ``none``.
    cost_units, cost_score
        Loss of the first two objective levels if this demand were chosen.
    score
        The demand's score.
    broken
        First quota broken by the direct move (``none``).
    housed_in
        The unit this demand gets in the optimum ("" if none).
    """
    if assigned:
        return (f"Rank 1: the optimal allocation gives this unit to this demand (score "
                f"{score}).",
                f"Rang 1 : l'allocation optimale attribue ce logement à cette demande "
                f"(cotation {score}).")
    en, fr = _where(housed_in, 1), _where(housed_in, 0)
    if method == "exact" and cost_units == 0 and cost_score == 0:
        return (f"Equally good: choosing this demand (score {score}) keeps the same units let "
                f"and score sum (exact re-solve); {en}.",
                f"Aussi bon : choisir cette demande (cotation {score}) garde le même nombre "
                f"d'attributions et la même somme des cotations (recalcul exact) ; {fr}.")
    if method == "exact":
        return (f"Choosing this demand (score {score}) instead costs {_cost(cost_units, cost_score, 1)}"
                f" (exact re-solve); {en}.",
                f"Choisir cette demande (cotation {score}) coûte "
                f"{_cost(cost_units, cost_score, 0)} (recalcul exact) ; {fr}.")
    if method == "lower_bound":
        return (f"Choosing this demand (score {score}) costs at least "
                f"{_cost(cost_units, cost_score, 1)}: under the quotas the unit would rather "
                f"stay empty; {en}.",
                f"Choisir cette demande (cotation {score}) coûte au moins "
                f"{_cost(cost_units, cost_score, 0)} : avec les quotas, mieux vaut laisser le "
                f"logement vacant ; {fr}.")
    if method == "swap_bound":
        return (f"Choosing this demand (score {score}) costs at most "
                f"{_cost(cost_units, cost_score, 1)} (direct exchange meeting every quota; "
                f"not re-solved); {en}.",
                f"Choisir cette demande (cotation {score}) coûte au plus "
                f"{_cost(cost_units, cost_score, 0)} (échange direct respectant tous les "
                f"quotas ; sans recalcul) ; {fr}.")
    return (f"Compatible (score {score}), but the direct exchange breaks the quota {broken}; "
            f"its exact cost was not computed for this run; {en}.",
            f"Compatible (cotation {score}), mais l'échange direct enfreint le quota {broken} ; "
            f"coût exact non calculé pour ce tour ; {fr}.")
