"""The plain-words reason of one demand's outcome, from one row of facts (the columns of
``decisions.csv`` before the texts). Messages come from the catalogue
(:mod:`attribution.models.i18n`): ``reason`` is in the run's language (French by default),
``motif`` always in French; ``attribution explain`` and the letters rebuild the sentence
in their own language from the same facts.
"""

from __future__ import annotations

from typing import Any

from attribution.models.i18n import N_, _, current, language, ngettext

from .labels import quota_label, reservataire_label, rule_label


def _others(detail: str) -> str:
    """``"rule:count;..."`` beyond the first, in words."""
    parts = [p.split(":") for p in detail.split(";") if p][1:]
    return _(", ").join(f"{rule_label(r)} ({c})" for r, c in parts)


_SPATIAL_WHY = {
    ("priority", "max"): N_("{commune} already has the largest share of priority households "
                            "among this round's attributions that the territorial-balance "
                            "policy allows; DALO households are never counted against this "
                            "maximum."),
    ("q1", "max"): N_("{commune} already has the largest share of first-quartile households "
                      "among this round's attributions that the territorial-balance policy "
                      "allows; DALO households are never counted against this maximum."),
    ("priority", "min"): N_("{commune} must keep at least its minimum share of priority "
                            "households among this round's attributions."),
    ("q1", "min"): N_("{commune} must keep at least its minimum share of first-quartile "
                      "households among this round's attributions."),
}


def spatial_why(quota: str) -> str | None:
    """The sentence saying which commune and why, in the current language, for a
    spatial-balance row (``spatial[Pornichet].priority.max``); ``None`` for any other."""
    if not quota.startswith("spatial[") or "]" not in quota:
        return None
    commune = quota[len("spatial["):quota.index("]")]
    parts = tuple(quota[quota.index("]") + 1:].strip(".").split("."))
    if parts not in _SPATIAL_WHY:
        return None
    return _(_SPATIAL_WHY[parts]).format(commune=commune)


def reason_text(f: dict[str, Any]) -> str:
    """The reason of one demand's outcome in the current language.

    Parameters
    ----------
    f
        The facts: ``outcome``, ``unit_id``, ``commune``, ``typology``, ``reservataire``,
        ``score``, ``rule``, ``rule_detail``, ``quota``, ``score_gap``,
        ``competitor_score``, ``related_unit_id``, ``wished_units``, ``compatible_units``,
        ``proven`` (optional, default true), ``for_applicant`` (optional: the letter's
        wording, which never quotes another household's score).
    """
    o, s = f["outcome"], f["score"]
    if o == "housed":
        res = (reservataire_label(f["reservataire"]) if f["reservataire"]
               else _("none (outside the flow)"))
        return _("Housed: unit {unit} ({commune}, {typology}), réservataire {reservataire}; "
                 "score {score}.").format(unit=f["unit_id"], commune=f["commune"],
                                          typology=f["typology"], reservataire=res, score=s)
    if o == "no_unit_wished":
        return _("No unit freed in this round lies in a commune you asked for with a "
                 "typology you asked for.")
    if o == "not_eligible":
        n, rule = int(f["wished_units"]), f["rule"]
        first = str(f["rule_detail"]).split(";")[0].split(":")
        k = first[1] if len(first) > 1 else "?"
        others = _others(str(f["rule_detail"]))
        text = ngettext("{n} unit of this round matches your wishes, but it is not open to "
                        "you. Main reason: {rule} (excludes {k} of {n})",
                        "{n} units of this round match your wishes, but none is open to you. "
                        "Main reason: {rule} (excludes {k} of {n})", n).format(
            n=n, rule=rule_label(rule), k=k)
        if others:
            return text + _("; also: {others}.").format(others=others)
        return text + "."
    if o == "outranked" and f.get("for_applicant"):
        c, gap = int(f["compatible_units"]), f["score_gap"]
        text = ngettext("You could be offered {n} unit; it went to a household with a score "
                        "at least as high as yours.",
                        "You could be offered {n} units; each went to a household with a "
                        "score at least as high as yours.", c).format(n=c)
        if gap == 0:
            text += " " + _("Equal scores: the allocation chosen is one of several equally "
                            "good ones (same units let and score sum).")
        return text
    if o == "outranked":
        c, comp, gap = int(f["compatible_units"]), f["competitor_score"], f["score_gap"]
        text = ngettext("You could be offered {n} unit; it went to a household with a score "
                        "at least as high as yours. Its score was {competitor}, {gap} points "
                        "more than your {score}.",
                        "You could be offered {n} units; each went to a household with a "
                        "score at least as high as yours. The lowest of them scored "
                        "{competitor}, {gap} points more than your {score}.", c).format(
            n=c, competitor=comp, gap=gap, score=s)
        if gap == 0:
            text += " " + _("Equal scores: the allocation chosen is one of several equally "
                            "good ones (same units let and score sum).")
        return text
    if o == "held_by_quota":
        u, comp, q = f["related_unit_id"], f["competitor_score"], f["quota"]
        if comp is None or comp < 0:
            what = _("unit {unit} stayed empty").format(unit=u)
        elif f.get("for_applicant"):
            what = _("unit {unit} went to a household with a lower score").format(unit=u)
        else:
            what = _("unit {unit} went to a household with a lower score ({competitor} < "
                     "{score})").format(unit=u, competitor=comp, score=s)
        text = _("You would come first on score, yet {what}: giving it to you would break "
                 "{quota}.").format(what=what, quota=quota_label(q))
        why = spatial_why(q)
        if why:
            text += " " + why
        if f.get("proven", True):
            return text + " " + _("The allocation is proven the best one that meets every "
                                  "quota.")
        return text + " " + _("The allocation is the best found within the time limit "
                              "that meets every quota.")
    if o == "not_reached":
        return _("The run stopped at its time limit before proving its allocation optimal: "
                 "unit {unit} could go to you without breaking any quota and with a better "
                 "result. Re-run with a longer time limit.").format(unit=f["related_unit_id"])
    raise ValueError(f"The outcome must be one of the documented outcomes; got {o!r} instead.")


def reason_pair(f: dict[str, Any]) -> tuple[str, str]:
    """``(reason, motif)``: the reason in the current language and in French."""
    reason = reason_text(f)
    if current() == "fr":       # the same facts in the same language: the same sentence
        return reason, reason
    with language("fr"):
        motif = reason_text(f)
    return reason, motif
