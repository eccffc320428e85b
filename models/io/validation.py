"""Turn raw demand and unit tables into validated :class:`Demands` and :class:`Units`.

Both functions return ``(object or None, problems)``: every problem of the table is
collected (see :mod:`models.io.table_check` for the header and cell checks), and the object
is built only when there is none. Checks beyond single cells:

- identifiers unique and non-empty;
- households possible: ``adults ≤ household_size``, ``adults + children_under_14 =
  household_size``;
- ``registered_on`` not after the policy's ``round_date``;
- every demand's score within the supported range (:mod:`models.score_range`);
- extra columns of demands: criterion columns of numbers/booleans; columns named by the
  policy must exist and hold numbers/booleans.

Encodings (documented in :mod:`models.territory` too): an empty ``wished_communes`` or
``wished_typologies`` cell means "no restriction" and gives an all-True row; an empty
``reservataire`` gives -1; absent optional columns take 0 / False.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cells import Parsed
from ..errors import Problem
from ..i18n import _, date
from ..policy import FINANCINGS, TYPOLOGIES, Policy
from .policy_io import PolicyRead, check_columns
from .schema import DEMAND_COLUMNS, UNIT_COLUMNS
from ..score_range import check_scores
from .table_check import Report, check_header, parse_columns, parse_extra, report_duplicates
from ..territory import Demands, Units


def _context(policy: Policy | PolicyRead) -> PolicyRead:
    return policy if isinstance(policy, PolicyRead) else PolicyRead.of(policy)


def _names(ctx: PolicyRead) -> dict[str, tuple[str, ...] | None]:
    return {"communes": ctx.communes, "landlords": ctx.landlords,
            "reservataires": ctx.reservataires, "typologies": TYPOLOGIES,
            "financings": FINANCINGS}


def _rows(df: pd.DataFrame) -> np.ndarray:
    index = df.index.to_numpy()
    if index.dtype.kind in "iu" and len(index) and index.min() >= 2:
        return index
    return np.arange(2, len(df) + 2)  # a plain frame: row 2 is its first row


def validate_demands(df: pd.DataFrame, policy: Policy | PolicyRead,
                     file: str = "demands.csv") -> tuple[Demands | None, list[Problem]]:
    """Validate a raw demands table against the contract and the policy.

    Parameters
    ----------
    df
        Stripped strings, index = spreadsheet row numbers (see ``read_table``).
    policy
        The policy, or what could be read of it.
    file
        File name used in the problems.
    """
    ctx = _context(policy)
    report = Report(file, _rows(df))
    extra = check_header(df, DEMAND_COLUMNS, report, allow_extra=True)
    cols = parse_columns(df, DEMAND_COLUMNS, report, _names(ctx))
    used = {c: key for key, c in ctx.uses}
    criteria = parse_extra(df, extra, used, report)
    numeric = [c for c, s in DEMAND_COLUMNS.items()
               if s.kind in ("int", "float", "bool") and c in cols]
    numeric += [c for c in extra if c in criteria or c in used]  # bad cells reported above
    problems = check_columns(ctx.uses, numeric, df.columns, table=file)
    if "demand_id" in df.columns:
        report_duplicates(df["demand_id"], "demand_id", report)
    _check_households(cols, report)
    _check_registration(cols, ctx, report)
    problems = problems + report.problems
    if problems or ctx.policy is None:
        return None, problems
    n = len(df)
    v = {name: p.values for name, p in cols.items()}
    for name, default in (("ages_sum", np.zeros(n, np.int64)),
                          ("housing_allowance", np.zeros(n, np.float64))):
        v.setdefault(name, default)
    communes = _any_if_empty(cols["wished_communes"])
    typologies = (_any_if_empty(cols["wished_typologies"]) if "wished_typologies" in cols
                  else np.ones((n, len(TYPOLOGIES)), dtype=bool))
    fields = {k: v[k] for k in DEMAND_COLUMNS
              if k not in ("demand_id", "wished_communes", "wished_typologies")}
    demands = Demands(ids=v["demand_id"], wished_communes=communes,
                      wished_typologies=typologies, criteria=criteria, **fields)
    out_of_range = check_scores(demands, ctx.policy, _rows(df), file)
    if out_of_range:  # a score the solvers could not represent exactly
        return None, out_of_range
    return demands, []


def validate_units(df: pd.DataFrame, policy: Policy | PolicyRead,
                   file: str = "units.csv") -> tuple[Units | None, list[Problem]]:
    """Validate a raw units table against the contract and the policy's names."""
    ctx = _context(policy)
    report = Report(file, _rows(df))
    check_header(df, UNIT_COLUMNS, report, allow_extra=False)
    cols = parse_columns(df, UNIT_COLUMNS, report, _names(ctx))
    if "unit_id" in df.columns:
        report_duplicates(df["unit_id"], "unit_id", report)
    if report.problems or ctx.policy is None:
        return None, report.problems
    n = len(df)
    v = {name: p.values for name, p in cols.items()}
    v.setdefault("reservataire", np.full(n, -1, dtype=np.int64))
    v.setdefault("outside_flow", np.zeros(n, dtype=bool))
    v["ids"] = v.pop("unit_id")
    return Units(**v), []


def _any_if_empty(p: Parsed) -> np.ndarray:
    matrix = p.values.copy()
    matrix[p.empty] = True
    return matrix


def _ok(cols: dict[str, Parsed], *names: str) -> np.ndarray | None:
    if not all(n in cols for n in names):
        return None
    bad = np.zeros(len(cols[names[0]].values), dtype=bool)
    for n in names:
        bad |= cols[n].bad | cols[n].empty
    return ~bad


def _check_households(cols: dict[str, Parsed], report: Report) -> None:
    ok = _ok(cols, "household_size", "adults", "children_under_14")
    if ok is not None:
        size, adults = cols["household_size"].values, cols["adults"].values
        children = cols["children_under_14"].values
        over = ok & (adults > size)
        report.cells("adults", over, lambda i: _(
            "expected at most household_size ({size}) adults, got {adults}").format(
            size=size[i], adults=adults[i]))
        wrong = ok & ~over & (adults + children != size)
        report.cells("household_size", wrong, lambda i: _(
            "expected adults + children_under_14 = {adults} + {children} = {total}, got "
            "{size}").format(adults=adults[i], children=children[i],
                             total=adults[i] + children[i], size=size[i]))
    # No check of dependants against household_size, nor of couple against adults: the
    # contract does not forbid them, and French practice counts a child to be born as a
    # dependant (a pregnant single applicant: household_size 1, dependants 1 → category 3).


def _check_registration(cols: dict[str, Parsed], ctx: PolicyRead, report: Report) -> None:
    if "registered_on" not in cols or ctx.round_date is None:
        return
    dates = cols["registered_on"].values
    late = ~np.isnat(dates) & (dates > np.datetime64(ctx.round_date, "D"))
    report.cells("registered_on", late, lambda i: _(
        "expected a date on or before the round date {round_date} (territory.round_date), "
        "got {value}").format(round_date=date(ctx.round_date), value=date(str(dates[i]))))
