"""Why an annual target was missed, in words, from the year's own records.

Every pass of a round is solved so that the year-to-date accounts *with its offers* meet
every row (the carry-over, :mod:`scenarios.rounds`). A row can still end the year missed
for three reasons, told apart from ``rounds.csv``:

- **refusals**: the last round was solved under its full carry (``full_buffered``,
  ``full_strict`` or, for a row other than a flow, ``full``), so its offers met the row;
  refusals drawn afterwards removed some of them and the year ended before another round
  could steer back;
- **flow slack**: a flow row, and the last round could only be solved with the flows'
  ±1 unit of slack (mode ``full``), which the annual check does not grant;
- **relaxed carry**: some pass had to drop rows from the carry (``surplus_only``,
  ``none``, ``nothing_let``): the units and households of the rounds could not hold the
  row — the text then says which side was short, by the row's family.
"""

from __future__ import annotations

import pandas as pd

from attribution.models.i18n import N_, _

#: Modes in which a pass met every row of its carry (flows possibly with their ±1).
HELD = {"full_buffered", "full_strict", "full"}

FAMILY = {
    "priority_min": N_("too few priority or DALO households were eligible for, and accepted, "
                       "the units freed"),
    "priority_min_per_reservataire": N_("this réservataire's units found too few eligible "
                                        "priority or DALO households who accepted them"),
    "state_priority_min": N_("the State's units found too few eligible priority or DALO "
                             "households who accepted them"),
    "state_outside_qpv_min": N_("too few State-flow units outside QPV found an eligible "
                                "household"),
    "q1_outside_qpv_min": N_("too few Q1 or ANRU households could take the units outside QPV "
                             "(income ceilings, rent burden, wished communes)"),
    "non_q1_in_qpv_min": N_("too few households above Q1 could take the QPV units"),
    ("flow", ">="): N_("the réservataire's eligible households were too few (or refused too "
                       "often) for its share of this landlord's units"),
    ("flow", "<="): N_("the other réservataires' eligible households were too few for their "
                       "shares, so this one took more than its share plus tolerance"),
    ("spatial", ">="): N_("too few households of the group wishing this commune could take its "
                          "units"),
    ("spatial", "<="): N_("too few households outside the group wishing this commune could take "
                          "its units"),
}


def reason(family: str, sense: str, last_modes: set[str], relaxed: bool) -> str:
    """The reason of one missed row (see the module docstring), in the current language."""
    if relaxed:
        why = FAMILY.get(family, FAMILY.get((family, sense), N_("the rounds could not hold it")))
        return _("relaxed carry: {why}").format(why=_(why))
    if family == "flow" and "full" in last_modes:
        return _("flow slack: the last round could only hold the flow within its ±1 unit, "
                 "which the annual check does not grant")
    return _("refusals: the last round's offers met the row; offers refused after it was "
             "solved moved the count, and the year ended before another round")


def explain(targets: pd.DataFrame, rounds: pd.DataFrame) -> pd.Series:
    """A reason per row of ``targets`` (empty string where the target is met).

    Parameters
    ----------
    targets
        Annual checks with ``scenario`` and ``seed`` columns.
    rounds
        The rounds of the same years (``modes`` column).
    """
    if targets.empty:
        return pd.Series([], dtype=object)
    # A horizon of several years: each year's targets are explained by that year's rounds.
    keys = ["scenario", "seed"] + (["year"] if "year" in targets and "year" in rounds else [])
    modes = rounds.assign(modes=rounds["modes"].fillna("").str.split(";"))
    last = modes.sort_values("round").groupby(keys)["modes"].last()
    relaxed = modes.explode("modes").groupby(keys)["modes"].apply(
        lambda m: bool(set(m) - HELD - {""}))
    out = []
    for row in targets.itertuples(index=False):
        if row.met:
            out.append("")
            continue
        key = tuple(getattr(row, k) for k in keys)
        out.append(reason(row.family, row.sense, set(last.get(key, [])),
                          bool(relaxed.get(key, False))))
    return pd.Series(out, index=targets.index, dtype=object)
