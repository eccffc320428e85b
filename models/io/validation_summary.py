"""A short summary of a validated territory, for ``attribution validate``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..household import priority_group
from ..territory import Territory


@dataclass(frozen=True)
class TerritorySummary:
    """Counts and shares describing a validated territory.

    Shares are fractions of the demands (priority, DALO, Q1) or of the units (QPV);
    ``q1_threshold`` is in € per consumption unit and year, ``q1_auto`` tells whether it
    was computed from the demands (25th percentile) rather than fixed by the policy.
    """

    name: str
    n_demands: int
    n_units: int
    priority_share: float       # priority or DALO (what the quotas count)
    dalo_share: float
    q1_share: float
    q1_threshold: float
    q1_auto: bool
    qpv_share: float
    outside_flow: int
    pre_oriented: int

    def lines(self) -> list[str]:
        """The summary as lines of plain text (current language)."""
        from ..i18n import _, num, pct

        how = (_("auto: 25th percentile of income per UC") if self.q1_auto
               else _("fixed by the policy"))
        return [
            _("demands: {n} (priority or DALO {priority}, DALO {dalo}, Q1 {q1})").format(
                n=num(self.n_demands), priority=pct(self.priority_share),
                dalo=pct(self.dalo_share), q1=pct(self.q1_share)),
            _("units: {n} (in QPV {qpv}, outside the flow {outside}, pre-oriented to a "
              "réservataire {pre})").format(
                n=num(self.n_units), qpv=pct(self.qpv_share), outside=num(self.outside_flow),
                pre=num(self.pre_oriented)),
            _("Q1 threshold: {threshold} € per consumption unit and year ({how})").format(
                threshold=num(self.q1_threshold), how=how),
        ]


def summarise(territory: Territory) -> TerritorySummary:
    """Summarise a validated territory (Q1 computed with :mod:`models.household`)."""
    from ..household import q1_flags, q1_threshold  # written alongside; imported on use

    d, u, policy = territory.demands, territory.units, territory.policy
    threshold = q1_threshold(d, policy)
    q1 = q1_flags(d, policy, threshold)

    def share(mask: np.ndarray) -> float:
        return float(np.mean(mask)) if len(mask) else 0.0

    return TerritorySummary(
        name=policy.territory.name, n_demands=len(d), n_units=len(u),
        priority_share=share(priority_group(d.priority, d.dalo)), dalo_share=share(d.dalo),
        q1_share=share(q1), q1_threshold=threshold,
        q1_auto=policy.territory.q1_threshold is None, qpv_share=share(u.qpv),
        outside_flow=int(u.outside_flow.sum()), pre_oriented=int((u.reservataire >= 0).sum()))
