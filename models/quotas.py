"""The contract's quota rows as data, independent of any solver.

Every quota of the data contract is a row ``left ≥ share × right − slack`` (sense ``">="``)
or ``left ≤ share × right + slack`` (sense ``"<="``), where ``left`` and ``right`` count
attributions in two sets of arcs. Every set a quota reads is a union of *arc classes*: arcs
that agree on every attribute a quota looks at (the unit's landlord, commune, QPV flag and
flow exclusion, the réservataire, the demand's priority, Q1, ANRU, DALO and State-agent
flags — the last two only when a row reads them). A handful of
classes stands for millions of arcs, so one row is a boolean vector over classes and the
same object serves the validity check, the reporting and the solver (which aggregates its
rows by class).

Shares are exact: a policy share given as the float ``0.3`` means 3/10 (its shortest
decimal form), and every comparison is done on integers (``den·left`` against
``num·right``), never with a float tolerance.

A problem may carry year-to-date counts per row name (:attr:`AllocationProblem.carry`):
they are added to the round's counts of that row, so the round is held to the annual
figure. :meth:`QuotaSystem.side_counts` still counts the round only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .policy import LANDLORD, STATE
from .problem import AllocationProblem
from .territory import _freeze

#: Row senses: ``">="`` means left ≥ share·right − slack, ``"<="`` left ≤ share·right + slack.
SENSES: tuple[str, ...] = (">=", "<=")


def exact_share(value: float) -> Fraction:
    """The exact rational a policy share stands for: its shortest decimal form.

    >>> exact_share(0.3)
    Fraction(3, 10)
    """
    return Fraction(repr(float(value)))


@dataclass(frozen=True)
class ArcClasses:
    """Arcs grouped by every attribute a quota reads; arrays after ``of_arc`` are per class.

    Attributes
    ----------
    of_arc
        int32, class of each arc of the compatibility graph.
    landlord, commune, reservataire
        int64 codes (``reservataire`` is -1 for units outside the flow).
    qpv, outside_flow, priority, q1, anru, dalo, state_agent
        bool flags of the unit (first two) and of the demand (the others). ``dalo`` is
        only told apart when the policy has a spatial balance (whose maxima leave DALO
        households out) and ``state_agent`` only when ``quotas.state_agent_max`` is set;
        otherwise they are all False, so classes are not split for nothing.
    """

    of_arc: np.ndarray
    landlord: np.ndarray
    commune: np.ndarray
    qpv: np.ndarray
    outside_flow: np.ndarray
    reservataire: np.ndarray
    priority: np.ndarray
    q1: np.ndarray
    anru: np.ndarray
    dalo: np.ndarray | None = None
    state_agent: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("dalo", "state_agent"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(len(self.landlord), dtype=bool))
        _freeze(self)

    def __len__(self) -> int:
        return len(self.landlord)

    def counts(self, arcs: np.ndarray) -> np.ndarray:
        """Number of the given arcs in each class (int64)."""
        return np.bincount(self.of_arc[np.asarray(arcs, dtype=np.int64)],
                           minlength=len(self)).astype(np.int64)


#: Arcs keyed at once by :func:`arc_classes`.
ARC_CHUNK = 1 << 22


def arc_classes(problem: AllocationProblem,
                tick: Callable[[], None] | None = None) -> ArcClasses:
    """Group the arcs of ``problem`` into classes (vectorised, O(number of arcs)).

    The key of an arc mixes a per-unit key (landlord, commune, QPV, outside the flow), the
    réservataire and a per-demand key (priority, Q1, ANRU, and DALO / State agent when a
    row reads them): two gathers and two products per arc, the rest on units and demands
    only. The arcs are keyed by chunks of :data:`ARC_CHUNK`; ``tick`` is called between
    chunks (a solver's deadline may raise there).
    """
    g, units, demands = problem.graph, problem.territory.units, problem.territory.demands
    policy = problem.territory.policy
    split_dalo = policy.spatial_balance is not None
    split_agent = policy.quotas.state_agent_max is not None
    n_res = len(problem.territory.policy.reservataires) + 1
    n_ll = int(units.landlord.max(initial=0)) + 1
    n_com = int(units.commune.max(initial=0)) + 1
    unit_key = ((units.landlord.astype(np.int64) * n_com + units.commune) * 2
                + units.qpv) * 2 + units.outside_flow
    dalo = demands.dalo if split_dalo else np.zeros(len(demands), dtype=bool)
    agent = demands.state_agent if split_agent else np.zeros(len(demands), dtype=bool)
    demand_key = ((((problem.priority_group.astype(np.int64) * 2 + problem.q1) * 2
                    + demands.anru) * 2 + dalo) * 2 + agent)
    n = len(g)
    chunks = [(lo, min(n, lo + ARC_CHUNK)) for lo in range(0, n, ARC_CHUNK)]
    key = np.empty(n, dtype=np.int64)
    for lo, hi in chunks:            # by chunks: bounded temporaries, and `tick` between
        if tick is not None:
            tick()
        part = unit_key[g.unit[lo:hi]] * n_res
        part += g.reservataire[lo:hi]
        part += 1
        part *= 32
        part += demand_key[g.demand[lo:hi]]
        key[lo:hi] = part
    space = n_ll * n_com * 4 * n_res * 32
    if space <= 4 * n + 1_000_000:      # dense relabelling, no sort
        present = np.zeros(space, dtype=bool)
        for lo, hi in chunks:
            present[key[lo:hi]] = True
        codes = np.flatnonzero(present)
        relabel = (np.cumsum(present) - 1).astype(np.int32)
        of_arc = np.empty(n, dtype=np.int32)
        for lo, hi in chunks:
            if tick is not None:
                tick()
            of_arc[lo:hi] = relabel[key[lo:hi]]
    else:
        codes, of_arc = np.unique(key, return_inverse=True)
    del key
    rest = codes.copy()
    fields = []
    for radix in (2, 2, 2, 2, 2, n_res, 2, 2, n_com, n_ll):
        fields.append(rest % radix)
        rest //= radix
    agent, dalo, anru, q1, pri, res, out, qpv, com, ll = fields
    return ArcClasses(of_arc=of_arc.astype(np.int32, copy=False), landlord=ll, commune=com,
                      qpv=qpv.astype(bool), outside_flow=out.astype(bool),
                      reservataire=res - 1, priority=pri.astype(bool), q1=q1.astype(bool),
                      anru=anru.astype(bool), dalo=dalo.astype(bool),
                      state_agent=agent.astype(bool))


@dataclass(frozen=True)
class QuotaRow:
    """One hard quota: ``left ≥ share·right − slack`` or ``left ≤ share·right + slack``.

    Attributes
    ----------
    name
        Stable human-readable name, e.g. ``flow[Silène→etat].min``.
    family
        The contract's quota it comes from (``priority_min``, ``flow``, ``spatial``...).
    policy_key
        The ``policy.toml`` key that sets it (``quotas.priority_min``, ``flows``...).
    sense
        ``">="`` or ``"<="``.
    share
        Exact target share.
    slack
        Units of slack (0 for the quotas, 1 for flows, ``slack_units`` for spatial balance).
    left, right
        bool over arc classes: the counted attributions and the base they are a share of.
    description
        The row in plain words.
    carry_left, carry_right
        Year-to-date counts added to the round's ``left`` and ``right`` (0 = none).
    """

    name: str
    family: str
    policy_key: str
    sense: str
    share: Fraction
    slack: int
    left: np.ndarray
    right: np.ndarray
    description: str
    carry_left: int = 0
    carry_right: int = 0

    def __post_init__(self) -> None:
        if self.sense not in SENSES:
            raise ValueError(f"The 'sense' of QuotaRow must be one of {SENSES}; "
                             f"got {self.sense!r} instead.")
        _freeze(self)

    def integer_row(self) -> tuple[np.ndarray, int]:
        """The row as ``Σ_k coef[k]·n_k ≥ rhs`` over the round's class counts ``n``, in
        integers (the carry moves ``rhs``)."""
        num, den = self.share.numerator, self.share.denominator
        sign = 1 if self.sense == ">=" else -1
        coef = sign * (den * self.left.astype(np.int64) - num * self.right.astype(np.int64))
        carried = sign * (den * self.carry_left - num * self.carry_right)
        return coef, -den * self.slack - carried

    def holds(self, left: int, right: int) -> bool:
        """Whether the round's counts ``left`` and ``right`` satisfy the row (exact)."""
        return self.margin(left, right) >= 0

    def margin(self, left: int, right: int) -> Fraction:
        """Distance to the boundary, in attributions of ``left`` (≥ 0 when the row holds),
        for the round's counts ``left`` and ``right`` (the carry is added here)."""
        left, right = left + self.carry_left, right + self.carry_right
        bound = self.share * right
        if self.sense == ">=":
            return left - (bound - self.slack)
        return (bound + self.slack) - left


@dataclass(frozen=True)
class QuotaSystem:
    """All quota rows of a problem over its arc classes, plus their integer matrix.

    Attributes
    ----------
    classes
        The arc classes the rows are written on.
    rows
        The rows, in a stable order (contract order, then policy order).
    coef, rhs
        int64 ``(n_rows, n_classes)`` and ``(n_rows,)``: row ``i`` is
        ``Σ_k coef[i, k]·n_k ≥ rhs[i]`` where ``n_k`` counts chosen arcs of class ``k``.
    """

    classes: ArcClasses
    rows: tuple[QuotaRow, ...]
    coef: np.ndarray
    rhs: np.ndarray

    def __post_init__(self) -> None:
        _freeze(self)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rows)

    def side_counts(self, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(left, right)`` int64 counts per row for the chosen ``arcs``."""
        n = self.classes.counts(arcs)
        left = np.array([int(n[r.left].sum()) for r in self.rows], dtype=np.int64)
        right = np.array([int(n[r.right].sum()) for r in self.rows], dtype=np.int64)
        return left, right

    def per_arc(self, row: int) -> np.ndarray:
        """Integer coefficient of every arc in row ``row`` (for solvers without classes)."""
        return self.coef[row][self.classes.of_arc]


def policy_rows(cls: ArcClasses, policy) -> tuple[QuotaRow, ...]:
    """Every row the policy asks for on the classes ``cls``, before any carry-over and
    before the rows no arc touches are left out (what :func:`build_quotas` starts from)."""
    return tuple(_share_rows(cls, policy) + _flow_rows(cls, policy)
                 + _spatial_rows(cls, policy))


def build_quotas(problem: AllocationProblem, classes: ArcClasses | None = None,
                 tick: Callable[[], None] | None = None,
                 base_rows: tuple[QuotaRow, ...] | None = None) -> QuotaSystem:
    """Every quota row the policy of ``problem`` enforces, on its arc classes.

    An absent policy key adds no row; a row that no arc touches (a réservataire, landlord
    or commune without any compatible arc) is left out when it holds whatever the round
    does — kept, when the carry-over alone already violates it. Callers use the system the
    problem holds (:attr:`AllocationProblem.quotas`), built once; ``classes`` are
    :func:`arc_classes` of the problem when already known; ``tick``: see :func:`arc_classes`;
    ``base_rows``: :func:`policy_rows` of those classes when already known (the same round
    under another carry-over, :meth:`AllocationProblem.with_carry`).
    """
    cls = arc_classes(problem, tick) if classes is None else classes
    rows = list(policy_rows(cls, problem.territory.policy) if base_rows is None
                else base_rows)
    carry = problem.carry or {}
    rows = [dataclasses.replace(r, carry_left=int(carry[r.name][0]),
                                carry_right=int(carry[r.name][1]))
            if r.name in carry else r for r in rows]
    rows = [r for r in rows if r.right.any() or r.left.any() or not r.holds(0, 0)]
    if rows:
        pairs = [r.integer_row() for r in rows]
        coef = np.stack([p[0] for p in pairs])
        rhs = np.array([p[1] for p in pairs], dtype=np.int64)
    else:
        coef = np.zeros((0, len(cls)), dtype=np.int64)
        rhs = np.zeros(0, dtype=np.int64)
    return QuotaSystem(classes=cls, rows=tuple(rows), coef=coef, rhs=rhs)


def _row(name, family, key, sense, share, slack, left, right, text) -> QuotaRow:
    return QuotaRow(name=name, family=family, policy_key=key, sense=sense,
                    share=share if isinstance(share, Fraction) else exact_share(share),
                    slack=int(slack), left=np.asarray(left, dtype=bool),
                    right=np.asarray(right, dtype=bool), description=text)


def contract_shares(*, priority, qpv, q1, anru, state) -> dict[str, tuple[np.ndarray,
                                                                         np.ndarray]]:
    """What each territory-wide share of the contract counts, as ``(counted, among)``
    boolean masks over attributions (or arc classes): the share is ``counted.sum() /
    among.sum()``. One definition for the quota rows (:func:`build_quotas`) and for the
    key figures of simulated years (:mod:`scenarios.year_kpis`).

    ``priority`` is the priority group (priority or DALO, :func:`models.household.
    priority_group`); ``state`` marks attributions through the State (:data:`STATE`).
    """
    priority, qpv, q1, anru, state = (np.asarray(a, dtype=bool)
                                      for a in (priority, qpv, q1, anru, state))
    every = np.ones(len(qpv), dtype=bool)
    return {
        "priority": (priority, every),
        "qpv": (qpv, every),
        "state_priority": (state & priority, state),
        "state_outside_qpv": (state & ~qpv, state),
        "q1_outside_qpv": (~qpv & (q1 | anru), ~qpv),
        "non_q1_in_qpv": (qpv & ~q1, qpv),
    }


def _share_rows(cls: ArcClasses, policy) -> list[QuotaRow]:
    """The six ``[quotas]`` keys of the contract."""
    q = policy.quotas
    ids = policy.reservataire_ids
    state = cls.reservataire == (ids.index(STATE) if STATE in ids else -2)
    shares = contract_shares(priority=cls.priority, qpv=cls.qpv, q1=cls.q1, anru=cls.anru,
                             state=state)
    rows = []
    if q.priority_min is not None:
        rows.append(_row("priority_min", "priority_min", "quotas.priority_min", ">=",
                         q.priority_min, 0, *shares["priority"],
                         "priority or DALO attributions ≥ share × all attributions"))
    if q.priority_min_per_reservataire is not None:
        for code, rid in enumerate(ids):
            through = cls.reservataire == code
            if rid == STATE:
                continue
            if rid == LANDLORD:
                # L441-1: the 25 % applies to each landlord's own (non-reserved) flow, one
                # row per landlord, never to the landlords pooled.
                for b, landlord in enumerate(policy.landlords):
                    own = through & (cls.landlord == b)
                    rows.append(_row(
                        f"priority_min_per_reservataire[{landlord}→{rid}]",
                        "priority_min_per_reservataire",
                        "quotas.priority_min_per_reservataire", ">=",
                        q.priority_min_per_reservataire, 0, own & cls.priority, own,
                        f"priority or DALO attributions on {landlord}'s own flow ≥ share × "
                        f"{landlord}'s attributions through {rid}"))
                continue
            rows.append(_row(f"priority_min_per_reservataire[{rid}]",
                             "priority_min_per_reservataire",
                             "quotas.priority_min_per_reservataire", ">=",
                             q.priority_min_per_reservataire, 0, through & cls.priority,
                             through, f"priority or DALO attributions through {rid} ≥ "
                             f"share × attributions through {rid}"))
    if q.state_priority_min is not None and STATE in ids:
        rows.append(_row("state_priority_min", "state_priority_min",
                         "quotas.state_priority_min", ">=", q.state_priority_min, 0,
                         *shares["state_priority"],
                         "priority or DALO attributions through the State ≥ share × "
                         "attributions through the State"))
    if q.state_agent_max is not None and STATE in ids:
        # R441-5: the préfet's reservation (≤ 30 % of each landlord's flow) includes at most
        # 5 % of that flow for State employees. Counted: attributions through "etat", on the
        # landlord's units in the flow, to State agents who are neither priority nor DALO
        # (a priority State agent is housed under the priority part). One unit of slack as
        # for the flows, since a round is a slice of the annual flow.
        for b, landlord in enumerate(policy.landlords):
            base = (cls.landlord == b) & ~cls.outside_flow
            agents = base & state & cls.state_agent & ~cls.priority
            rows.append(_row(f"state_agent_max[{landlord}]", "state_agent_max",
                             "quotas.state_agent_max", "<=", q.state_agent_max, 1, agents,
                             base, f"attributions through the State to State employees "
                             f"(not priority) on {landlord}'s units ≤ share × {landlord}'s "
                             f"units let in the flow + 1"))
    if q.state_outside_qpv_min is not None and STATE in ids:
        rows.append(_row("state_outside_qpv_min", "state_outside_qpv_min",
                         "quotas.state_outside_qpv_min", ">=", q.state_outside_qpv_min, 0,
                         *shares["state_outside_qpv"],
                         "State attributions on non-QPV units ≥ share × attributions "
                         "through the State"))
    if q.q1_outside_qpv_min is not None:
        rows.append(_row("q1_outside_qpv_min", "q1_outside_qpv_min",
                         "quotas.q1_outside_qpv_min", ">=", q.q1_outside_qpv_min, 0,
                         *shares["q1_outside_qpv"],
                         "attributions to Q1 or ANRU demands on non-QPV units ≥ share × "
                         "attributions on non-QPV units"))
    if q.non_q1_in_qpv_min is not None:
        rows.append(_row("non_q1_in_qpv_min", "non_q1_in_qpv_min",
                         "quotas.non_q1_in_qpv_min", ">=", q.non_q1_in_qpv_min, 0,
                         *shares["non_q1_in_qpv"],
                         "attributions to non-Q1 demands on QPV units ≥ share × "
                         "attributions on QPV units"))
    return rows


def _flow_rows(cls: ArcClasses, policy) -> list[QuotaRow]:
    """Two rows per ``[[flows]]`` entry: (s − t)·N_b − 1 ≤ N_br ≤ (s + t)·N_b + 1."""
    rows = []
    landlords, ids = policy.landlords, policy.reservataire_ids
    for f in policy.flows:
        if f.landlord not in landlords or f.reservataire not in ids:
            continue  # the policy reader reports unknown names; nothing to enforce here
        base = (cls.landlord == landlords.index(f.landlord)) & ~cls.outside_flow
        through = base & (cls.reservataire == ids.index(f.reservataire))
        s, t = exact_share(f.share), exact_share(f.tolerance)
        name = f"flow[{f.landlord}→{f.reservataire}]"
        what = f"{f.landlord}'s units let through {f.reservataire}"
        rows.append(_row(name + ".min", "flow", "flows", ">=", s - t, 1, through, base,
                         f"{what} ≥ (share − tolerance) × its units let in the flow − 1"))
        rows.append(_row(name + ".max", "flow", "flows", "<=", s + t, 1, through, base,
                         f"{what} ≤ (share + tolerance) × its units let in the flow + 1"))
    return rows


def _spatial_rows(cls: ArcClasses, policy) -> list[QuotaRow]:
    """Per commune with arcs and group (Q1, priority): min·A_c − slack ≤ G_c and
    G'_c ≤ max·A_c + slack, where G'_c is G_c less the attributions to DALO households: a
    commune maximum never holds back a DALO household (the State's obligation to rehouse
    DALO households, CCH L441-2-3, comes before territorial rebalancing)."""
    sb = policy.spatial_balance
    if sb is None:
        return []
    rows = []
    for code, commune in enumerate(policy.territory.communes):
        here = cls.commune == code
        for group, flag, bounds in (("q1", cls.q1, sb.q1_share),
                                    ("priority", cls.priority, sb.priority_share)):
            if bounds is None:
                continue
            lo, hi = bounds
            label = "Q1" if group == "q1" else "priority or DALO"
            key = f"spatial_balance.{group}_share"
            name = f"spatial[{commune}].{group}"
            rows.append(_row(name + ".min", "spatial", key, ">=", lo, sb.slack_units,
                             here & flag, here, f"{label} attributions in {commune} ≥ "
                             f"min share × attributions in {commune} − slack"))
            rows.append(_row(name + ".max", "spatial", key, "<=", hi, sb.slack_units,
                             here & flag & ~cls.dalo, here, f"{label} attributions in "
                             f"{commune}, DALO households left out, ≤ max share × "
                             f"attributions in {commune} + slack"))
    return rows
