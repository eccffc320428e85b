"""Annual accounts: every quota row counted over the year, and the carry-over of a round.

The law measures shares of the *annual* attributions (domain.md §3–5), while the solver
works one round at a time. The accounts add up, row by row, the two sides of every quota
row of :mod:`models.quotas` (``left`` attributions counted, ``right`` their base) over
the rounds already played. Round ``k`` is then solved with the row

    left_ytd + left_k ≥ share × (right_ytd + right_k) − slack

(the same for ``≤`` rows): a surplus earned earlier lets a round go below the share, a
deficit must be made up. The rows are matched by their stable names
(``priority_min``, ``flow[Silène→etat].min``, ``spatial[Donges].q1.max``...).

At the end of the year :func:`annual_check` states each target as the law reads it: the
quota shares with no slack, each flow within ``share ± tolerance`` of the landlord's
annual flow (no ±1 unit: that slack only keeps small rounds feasible), each commune's
spatial-balance range with the policy's ``slack_units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from attribution.models.quotas import QuotaRow, QuotaSystem


@dataclass(frozen=True)
class RowTerms:
    """What defines a row, independently of the round's arcs."""

    name: str
    family: str
    policy_key: str
    sense: str
    share: Fraction
    slack: int
    description: str

    @classmethod
    def of(cls, row: QuotaRow) -> RowTerms:
        return cls(row.name, row.family, row.policy_key, row.sense, row.share, row.slack,
                   row.description)

    @property
    def annual_slack(self) -> int:
        """Slack of the annual target: none for flows, the policy's own otherwise."""
        return 0 if self.family == "flow" else self.slack

    def margin(self, left: int, right: int, slack: int | None = None) -> Fraction:
        """Distance to the boundary in attributions (≥ 0 when the row holds)."""
        slack = self.slack if slack is None else slack
        bound = self.share * right
        return left - (bound - slack) if self.sense == ">=" else (bound + slack) - left


@dataclass(frozen=True)
class Accounts:
    """Year-to-date counts per row name: ``counts[name] = (left, right)``."""

    terms: dict[str, RowTerms] = field(default_factory=dict)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, system: QuotaSystem, arcs: np.ndarray) -> Accounts:
        """The accounts after the attributions ``arcs`` (indices into the round's graph)."""
        left, right = system.side_counts(np.asarray(arcs, dtype=np.int64))
        terms, counts = dict(self.terms), dict(self.counts)
        for row, lk, rk in zip(system.rows, left.tolist(), right.tolist()):
            terms.setdefault(row.name, RowTerms.of(row))
            l0, r0 = counts.get(row.name, (0, 0))
            counts[row.name] = (l0 + lk, r0 + rk)
        return Accounts(terms, counts)

    def carry(self, strict_flows: bool = False,
              buffers: tuple[tuple[int, int], ...] = ()) -> dict[str, tuple[int, int]]:
        """Counts to add to each row of the next round (its carry-over).

        With ``strict_flows`` the flow rows' ±1 unit of slack is taken back through the
        carry (left − 1 on ``≥`` rows, left + 1 on ``≤`` rows), so that the round aims at
        the annual target itself. ``buffers`` — ``(min_base, attributions)`` pairs, largest
        base first — moves a row whose year-to-date base (``right``) is at least
        ``min_base`` that many attributions further the same way (the first pair that
        applies): the round must end with them to spare, so that refusals drawn after it
        is solved cannot break the row. A row with a small base (a small landlord's flow)
        gets less or nothing: one attribution is a large share of it.
        """
        out = {}
        for name, (left, right) in self.counts.items():
            t = self.terms[name]
            spare = next((n for base, n in buffers if right >= base), 0)
            shift = spare + (t.slack if strict_flows and t.family == "flow" else 0)
            out[name] = (left - shift if t.sense == ">=" else left + shift, right)
        return out


def surplus_only(accounts: Accounts, carry: dict[str, tuple[int, int]]) -> dict:
    """``carry`` less every row that its year-to-date counts alone break (a deficit beyond
    the row's slack, which only attributions of this round could make up): such a row
    falls back to the round's own share; the other rows keep their carry."""
    return {name: counts for name, counts in carry.items()
            if accounts.terms[name].margin(*counts) >= 0}


def round_counts(system: QuotaSystem, arcs: np.ndarray) -> dict[str, tuple[int, int]]:
    """``(left, right)`` of every row of one round's attributions, by row name."""
    left, right = system.side_counts(np.asarray(arcs, dtype=np.int64))
    return {row.name: (lk, rk) for row, lk, rk in zip(system.rows, left.tolist(),
                                                      right.tolist())}


def annual_check(accounts: Accounts) -> pd.DataFrame:
    """Every annual target with its realised share, whether it holds and by how much.

    Returns
    -------
    pandas.DataFrame
        One row per quota row: ``name, family, policy_key, sense, target, left, right,
        realised, slack, margin, met, description``; ``margin`` is in attributions (how
        many more could go the wrong way before the target breaks; negative = shortfall).
    """
    rows = []
    for name, terms in accounts.terms.items():
        left, right = accounts.counts[name]
        margin = terms.margin(left, right, terms.annual_slack)
        rows.append({"name": name, "family": terms.family, "policy_key": terms.policy_key,
                     "sense": terms.sense, "target": float(terms.share), "left": left,
                     "right": right, "realised": left / right if right else float("nan"),
                     "slack": terms.annual_slack, "margin": float(margin),
                     "met": bool(margin >= 0), "description": terms.description})
    columns = ["name", "family", "policy_key", "sense", "target", "left", "right",
               "realised", "slack", "margin", "met", "description"]
    return pd.DataFrame(rows, columns=columns)
