"""Territory profiles: the geography, stock and actors a synthetic territory is drawn from.

Every figure carries the tag used in ``docs/calibration.md``: **[S]** sourced (domain.md
§1), **[K]** common knowledge not re-verified, **[E]** estimated by us. Nothing tagged [E]
or [K] is an official CARENE figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Réservataires of every generated territory, in policy order.
RESERVATAIRES: tuple[str, ...] = ("etat", "action_logement", "commune", "bailleur")


@dataclass(frozen=True)
class Profile:
    """Where units and demands are drawn from.

    Parameters
    ----------
    name
        Territory name written in ``policy.toml``.
    communes
        Commune names, in policy order.
    coords_km
        Approximate position of each commune (km), used to pick the 2nd and 3rd wished
        communes near the first one.
    stock_share
        Share of the social stock (hence of freed units) per commune; sums to 1.
    qpv_share
        Share of each commune's stock located in a QPV.
    demand_share
        Share of applicants whose first wished commune is this one; sums to 1.
    landlords
        Landlord names, in policy order.
    landlord_share
        Share of the territory's stock per landlord; sums to 1.
    landlord_anchor
        ``landlord -> (commune, fraction)``: that fraction of the landlord's stock lies in
        that commune (Silène: 88 % in Saint-Nazaire).
    landlord_qpv_tilt
        Relative propensity of each landlord's units (within a commune) to be in a QPV.
    flows
        ``landlord -> shares of RESERVATAIRES`` (sums to 1 per landlord).
    flow_tolerance
        Allowed deviation of a realised flow share.
    annual_flow
        Units freed in a year (sets the span of ``available_on``).
    wish_count_p
        Probabilities of 0 (= any commune), 1, 2 and 3 wished communes.
    wish_distance_km
        Decay length of the preference for nearby communes in the 2nd/3rd wishes.
    default_n_demands, default_n_units
        Sizes used by the CLI when none is given.
    """

    name: str
    communes: tuple[str, ...]
    coords_km: tuple[tuple[float, float], ...]
    stock_share: tuple[float, ...]
    qpv_share: tuple[float, ...]
    demand_share: tuple[float, ...]
    landlords: tuple[str, ...]
    landlord_share: tuple[float, ...]
    landlord_anchor: dict[str, tuple[str, float]]
    landlord_qpv_tilt: tuple[float, ...]
    flows: dict[str, tuple[float, ...]]
    flow_tolerance: float = 0.05
    annual_flow: int = 1377
    wish_count_p: tuple[float, float, float, float] = (0.04, 0.44, 0.30, 0.22)
    wish_distance_km: float = 8.0
    default_n_demands: int = 6002
    default_n_units: int = 115

    def __post_init__(self) -> None:
        n = len(self.communes)
        for key in ("coords_km", "stock_share", "qpv_share", "demand_share"):
            if len(getattr(self, key)) != n:
                raise ValueError(f"The '{key}' of profile {self.name} must have {n} entries; "
                                 f"got {len(getattr(self, key))} instead.")
        for key in ("stock_share", "demand_share", "landlord_share"):
            total = sum(getattr(self, key))
            if not math.isclose(total, 1.0, abs_tol=1e-9):
                raise ValueError(f"The '{key}' of profile {self.name} must sum to 1; "
                                 f"got {total} instead.")
        for landlord, shares in self.flows.items():
            if not math.isclose(sum(shares), 1.0, abs_tol=1e-9):
                raise ValueError(f"The flow shares of {landlord} in profile {self.name} must "
                                 f"sum to 1; got {sum(shares)} instead.")
        if set(self.flows) != set(self.landlords):
            raise ValueError(f"Profile {self.name} must give flows for every landlord.")

    @property
    def qpv_total(self) -> float:
        """Share of the whole stock in a QPV."""
        return float(np.dot(self.stock_share, self.qpv_share))

    def landlord_commune_joint(self) -> np.ndarray:
        """Joint share of the stock per (landlord, commune), with exact margins.

        Anchored landlords put their anchor fraction in their home commune and spread the
        rest like the stock; the other landlords share what is left of each commune in
        proportion to their size.
        """
        w = np.asarray(self.stock_share)
        s = np.asarray(self.landlord_share)
        joint = np.zeros((len(s), len(w)))
        anchored = np.zeros(len(s), dtype=bool)
        for landlord, (commune, frac) in self.landlord_anchor.items():
            li, ci = self.landlords.index(landlord), self.communes.index(commune)
            rest = w.copy()
            rest[ci] = 0.0
            joint[li] = s[li] * (1 - frac) * rest / rest.sum()
            joint[li, ci] = s[li] * frac
            anchored[li] = True
        residual = w - joint[anchored].sum(axis=0)
        if np.any(residual < -1e-12):
            raise ValueError(f"The anchors of profile {self.name} exceed a commune's stock.")
        free = s * ~anchored
        joint[~anchored] = np.outer(free[~anchored] / free.sum(), residual)
        return joint


def _km(lat: float, lon: float, lat0: float = 47.2735, lon0: float = -2.2138) -> tuple[float, float]:
    """Equirectangular projection around Saint-Nazaire, good to a few hundred metres here."""
    return (round((lon - lon0) * 111.32 * math.cos(math.radians(lat0)), 2),
            round((lat - lat0) * 111.2, 2))


# --- CARENE ------------------------------------------------------------------------------
# Communes [S domain.md §1]; coordinates of the town halls, approximate [K].
_CARENE_COMMUNES = {
    "Saint-Nazaire": (47.2735, -2.2138),
    "Pornichet": (47.2650, -2.3390),
    "Trignac": (47.3178, -2.1886),
    "Montoir-de-Bretagne": (47.3275, -2.1497),
    "Donges": (47.3178, -2.0756),
    "Saint-André-des-Eaux": (47.3156, -2.3100),
    "Besné": (47.3997, -2.0897),
    "La Chapelle-des-Marais": (47.4469, -2.2431),
    "Saint-Joachim": (47.3828, -2.1942),
    "Saint-Malo-de-Guersac": (47.3531, -2.1767),
}
# Stock per commune: NOT FOUND except Saint-Nazaire > 29 % social housing and the SRU rates
# of Pornichet 8.6 %, Saint-André-des-Eaux 9.7 %, Donges 15.4 % [S]; shares below are [E]
# (rate × main residences, scaled to the 13,251 units [S]); see docs/calibration.md.
_CARENE_STOCK = (0.775, 0.038, 0.055, 0.035, 0.040, 0.021, 0.008, 0.009, 0.009, 0.010)
# QPV only in Saint-Nazaire [K]: 27.8 % of the stock [S] = 35.9 % of Saint-Nazaire's.
_CARENE_QPV = (0.278 / 0.775,) + (0.0,) * 9
# First wished commune [E]: demand is more concentrated on Saint-Nazaire and the coast
# than the stock outside them.
_CARENE_DEMAND = (0.665, 0.070, 0.050, 0.040, 0.040, 0.040, 0.020, 0.025, 0.025, 0.025)
# Landlords [S]; stock shares NOT FOUND, [E]. Silène is the largest [S].
_CARENE_LANDLORDS = ("Silène", "CISN Résidences locatives", "Habitat 44",
                     "Atlantique Habitations", "LogiOuest", "Harmonie Habitat")
_CARENE_LANDLORD_SHARE = (0.60, 0.12, 0.08, 0.09, 0.06, 0.05)
# Flow conventions [E]: State 30 % [S maximum, used as the target]; Action Logement,
# commune and the landlord's own share plausible, per landlord (order of RESERVATAIRES).
_CARENE_FLOWS = {
    "Silène": (0.30, 0.15, 0.20, 0.35),
    "CISN Résidences locatives": (0.30, 0.25, 0.15, 0.30),
    "Habitat 44": (0.30, 0.15, 0.15, 0.40),
    "Atlantique Habitations": (0.30, 0.25, 0.15, 0.30),
    "LogiOuest": (0.30, 0.25, 0.10, 0.35),
    "Harmonie Habitat": (0.30, 0.20, 0.15, 0.35),
}

CARENE = Profile(
    name="CARENE",
    communes=tuple(_CARENE_COMMUNES),
    coords_km=tuple(_km(*ll) for ll in _CARENE_COMMUNES.values()),
    stock_share=_CARENE_STOCK,
    qpv_share=_CARENE_QPV,
    demand_share=_CARENE_DEMAND,
    landlords=_CARENE_LANDLORDS,
    landlord_share=_CARENE_LANDLORD_SHARE,
    landlord_anchor={"Silène": ("Saint-Nazaire", 0.88)},  # [S] domain.md §1
    landlord_qpv_tilt=(1.5, 0.7, 0.7, 0.7, 0.7, 0.7),     # [K] the public office holds most QPV stock
    flows=_CARENE_FLOWS,
    annual_flow=1377,                                    # [S] attributions in 2023
    default_n_demands=6002,                              # [S] pending at 1/1/2024
    default_n_units=115,                                 # [E] 1,377 / 12
)


# --- METRO (entirely synthetic) ----------------------------------------------------------
def _metro() -> Profile:
    """A made-up métropole: one core city, 8 inner and 21 outer communes, 12 landlords."""
    names = tuple(f"Synthetic-{i:02d}" for i in range(1, 31))
    coords = [(0.0, 0.0)]
    coords += [(round(5 * math.cos(a), 2), round(5 * math.sin(a), 2))
               for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)]
    coords += [(round(r * math.cos(a), 2), round(r * math.sin(a), 2))
               for r, a in zip(np.tile([12.0, 16.0, 20.0], 7),
                               np.linspace(0, 2 * math.pi, 21, endpoint=False))]
    # A flat spread keeps each unit's candidates near CARENE's density (see calibration.md).
    stock = np.array([0.10] + [0.05] * 8 + [0.50 / 21] * 21)
    qpv = np.array([0.50] + [0.50] * 4 + [0.40] * 4 + [0.35] * 6 + [0.0] * 15)
    demand = np.array([0.12] + [0.05] * 8 + [0.48 / 21] * 21)
    landlords = ("Synth-OPH-Metropole",) + tuple(f"Synth-ESH-{i:02d}" for i in range(1, 12))
    lshare = np.array([0.35] + list(np.linspace(0.11, 0.03, 11)))
    lshare = lshare / lshare.sum()
    patterns = ((0.30, 0.15, 0.20, 0.35), (0.30, 0.25, 0.15, 0.30), (0.30, 0.20, 0.10, 0.40))
    flows = {name: patterns[0] if i == 0 else patterns[1 + i % 2]
             for i, name in enumerate(landlords)}
    return Profile(
        name="METRO (synthetic)",
        communes=names,
        coords_km=tuple(coords),
        stock_share=tuple(stock / stock.sum()),
        qpv_share=tuple(qpv),
        demand_share=tuple(demand / demand.sum()),
        landlords=landlords,
        landlord_share=tuple(lshare),
        landlord_anchor={"Synth-OPH-Metropole": ("Synthetic-01", 0.25)},
        landlord_qpv_tilt=(1.5,) + (0.8,) * 11,
        flows=flows,
        annual_flow=13000,
        wish_count_p=(0.01, 0.50, 0.30, 0.19),
        wish_distance_km=6.0,
        default_n_demands=60000,
        default_n_units=13000,
    )


METRO = _metro()

#: Profiles by the name the CLI and :func:`generate_territory` accept.
PROFILES: dict[str, Profile] = {"carene": CARENE, "metro": METRO}
