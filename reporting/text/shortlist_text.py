"""The sentence explaining why a candidate stands at its rank of a unit's shortlist.

From the pricing facts of :mod:`reporting.analysis.shortlists`; messages come from the catalogue
(:mod:`attribution.models.i18n`): ``reason`` in the run's language (French by default),
``motif`` always in French.
"""

from __future__ import annotations

from attribution.models.i18n import _, language, ngettext

from .labels import quota_label


def _cost(units: int, score: int) -> str:
    if units == 0:
        return _("{score} score points, with as many units let").format(score=score)
    return ngettext("{units} unit let and {score} score points",
                    "{units} units let and {score} score points", abs(units)).format(
        units=units, score=score)


def _where(housed_in: str) -> str:
    if housed_in:
        return _("housed in {unit} in the optimum").format(unit=housed_in)
    return _("not housed in the optimum")


def reason_text(rank: int, assigned: bool, method: str, cost_units: int, cost_score: int,
                score: int, broken: str, housed_in: str) -> str:
    """The reason of one shortlist row in the current language (see :func:`reason_pair`)."""
    if assigned:
        return _("Rank 1: the optimal allocation gives this unit to this demand (score "
                 "{score}).").format(score=score)
    where = _where(housed_in)
    if method == "exact" and cost_units == 0 and cost_score == 0:
        return _("Equally good: choosing this demand (score {score}) keeps the same units let "
                 "and score sum (exact re-solve); {where}.").format(score=score, where=where)
    cost = _cost(cost_units, cost_score)
    if method == "exact":
        return _("Choosing this demand (score {score}) instead costs {cost} (exact re-solve); "
                 "{where}.").format(score=score, cost=cost, where=where)
    if method == "lower_bound":
        return _("Choosing this demand (score {score}) costs at least {cost}: under the "
                 "quotas the unit would rather stay empty; {where}.").format(
            score=score, cost=cost, where=where)
    if method == "swap_bound":
        return _("Choosing this demand (score {score}) costs at most {cost} (direct exchange "
                 "meeting every quota; not re-solved); {where}.").format(
            score=score, cost=cost, where=where)
    quota = quota_label(broken) if broken and broken != "none" else _("a quota")
    return _("Compatible (score {score}), but the direct exchange breaks {quota}; its exact "
             "cost was not computed for this run; {where}.").format(
        score=score, quota=quota, where=where)


def reason_pair(rank: int, assigned: bool, method: str, cost_units: int, cost_score: int,
                score: int, broken: str, housed_in: str) -> tuple[str, str]:
    """``(reason, motif)`` for one shortlist row: current language and French.

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
    args = (rank, assigned, method, cost_units, cost_score, score, broken, housed_in)
    reason = reason_text(*args)
    with language("fr"):
        return reason, reason_text(*args)
