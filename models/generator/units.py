"""Synthetic freed units of one round (``units.csv``), vectorised over all rows.

Freed units follow the stock (uniform turnover) [E]; calibration tags as in
``docs/calibration.md``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..policy import FINANCINGS, TYPOLOGIES
from .profiles import RESERVATAIRES, Profile
from .sampling import categorical, controlled_counts

# Typology of freed units T1..T6 [E]: the stock is ~6/20/36/28/8/2 % [K, RPLS national
# order of magnitude]; small units turn over faster.
TYPOLOGY_P = np.array([0.08, 0.24, 0.36, 0.24, 0.07, 0.01])
SURFACE_MEAN = np.array([31.0, 47.0, 64.0, 78.0, 91.0, 104.0])  # m² [K]
SURFACE_CV = 0.08
# Recent stock (built since ~2014) among freed units, by QPV / not [E].
RECENT_P_QPV, RECENT_P_OTHER = 0.08, 0.22
# Financing mix (order of FINANCINGS: PLAI, PLAI-A, PLUS, PLS) [E]; recent programmes
# are ~35 % PLAI (CIL target 40 % [S]); older stock is mostly PLUS-equivalent (HLMO, PLA).
FINANCING_P_RECENT = np.array([0.33, 0.03, 0.54, 0.10])
FINANCING_P_OLD = np.array([0.05, 0.00, 0.92, 0.03])
# Rent excluding charges, €/m²/month [K order of magnitude]: PLAI, PLAI-A, PLUS, PLS.
RENT_M2_OLD = np.array([5.0, 4.6, 5.4, 8.4])
RENT_M2_RECENT = np.array([5.5, 5.0, 6.2, 8.9])
CHARGES_FIXED, CHARGES_M2 = 25.0, 1.3       # recoverable charges, €/month [E]
PMR_P_RECENT, PMR_P_OLD = 0.25, 0.03       # accessible units [E]
OUTSIDE_FLOW_P = 0.03                      # internal transfers, ANRU rehousing [E]
PRE_ORIENTED_P = 0.08                      # units already named for a réservataire [E]


def generate_units(rng: np.random.Generator, n: int, profile: Profile,
                   round_date: dt.date) -> pd.DataFrame:
    """``n`` freed units as a DataFrame with the columns of ``units.csv``."""
    commune, qpv = _locations(rng, n, profile)
    landlord = categorical(rng, _landlord_given_location(profile)[commune, qpv.astype(int)])
    recent = rng.random(n) < np.where(qpv, RECENT_P_QPV, RECENT_P_OTHER)
    typology = rng.choice(6, size=n, p=TYPOLOGY_P)
    surface = np.round(SURFACE_MEAN[typology] * rng.normal(1.0, SURFACE_CV, n), 1)
    surface = np.maximum(surface, 12.0)
    financing = categorical(rng, np.where(recent[:, None], FINANCING_P_RECENT, FINANCING_P_OLD))
    per_m2 = np.where(recent, RENT_M2_RECENT[financing], RENT_M2_OLD[financing])
    rent = surface * per_m2 * rng.uniform(0.92, 1.08, n) + CHARGES_FIXED + CHARGES_M2 * surface
    outside = rng.random(n) < OUTSIDE_FLOW_P
    named = ~outside & (rng.random(n) < PRE_ORIENTED_P)
    flows = np.array([profile.flows[name] for name in profile.landlords])
    reservataire = np.array(RESERVATAIRES, dtype=object)[categorical(rng, flows[landlord])]
    span = int(min(365, max(1, round(365 * n / profile.annual_flow))))
    width = max(5, len(str(n)))
    return pd.DataFrame({
        "unit_id": np.char.add("U", np.char.zfill(np.arange(1, n + 1).astype(str), width)),
        "landlord": np.array(profile.landlords, dtype=object)[landlord],
        "commune": np.array(profile.communes, dtype=object)[commune],
        "qpv": qpv,
        "typology": np.array(TYPOLOGIES, dtype=object)[typology],
        "rooms": typology + 1,
        "surface_m2": surface,
        "rent": np.round(rent, 2),
        "financing": np.array(FINANCINGS, dtype=object)[financing],
        "pmr": rng.random(n) < np.where(recent, PMR_P_RECENT, PMR_P_OLD),
        "available_on": np.datetime64(round_date, "D")
        + rng.integers(0, span, n).astype("timedelta64[D]"),
        "reservataire": np.where(named, reservataire, ""),
        "outside_flow": outside,
    })


def _locations(rng: np.random.Generator, n: int,
               profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Commune and QPV flag per unit, with counts per (commune, QPV) cell kept to ±1."""
    w, q = np.asarray(profile.stock_share), np.asarray(profile.qpv_share)
    cells = np.stack([w * (1 - q), w * q], axis=1).ravel()     # cell = 2·commune + qpv
    counts = controlled_counts(n, cells, rng)
    cell = rng.permutation(np.repeat(np.arange(len(cells)), counts))
    return cell // 2, (cell % 2).astype(bool)


def _landlord_given_location(profile: Profile) -> np.ndarray:
    """``P(landlord | commune, qpv)`` as an array ``(communes, 2, landlords)``.

    Within a commune, a landlord's QPV share is the commune's scaled by its tilt, so that
    the commune's QPV share and every landlord's stock share are both kept.
    """
    joint = profile.landlord_commune_joint()                   # (landlords, communes)
    tilt = np.asarray(profile.landlord_qpv_tilt)[:, None]
    w, q = np.asarray(profile.stock_share), np.asarray(profile.qpv_share)
    q_lc = np.clip(q[None, :] * tilt * w[None, :] / (joint * tilt).sum(axis=0), 0.0, 1.0)
    in_qpv, outside = joint * q_lc, joint * (1 - q_lc)
    out = np.stack([outside.T, in_qpv.T], axis=1)               # (communes, 2, landlords)
    total = out.sum(axis=2, keepdims=True)
    return np.divide(out, total, out=np.full_like(out, 1.0 / out.shape[2]), where=total > 0)
