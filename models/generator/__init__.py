"""Synthetic territories calibrated on the public figures of CARENE (Saint-Nazaire Agglo).

:func:`generate_territory` draws demands, units and a policy from a profile with one seed;
:func:`write_territory` writes them as a territory folder of the data contract;
:func:`bundled_territory_path` is the folder shipped in the package (the default input of
the main command). Every calibration figure and its source is in ``docs/calibration.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from .demands import generate_demands
from .policy import policy_dict, policy_toml
from .profiles import CARENE, METRO, PROFILES, RESERVATAIRES, Profile
from .units import generate_units
from .writer import check_target, write_atomically, write_csv

#: Default round date (the contract's example; ceilings of 2025 apply).
DEFAULT_ROUND_DATE = dt.date(2025, 3, 1)

#: How the bundled territory ``models/data/carene`` was made (a test regenerates it).
BUNDLED = {"seed": 2025, "n_demands": 6002, "n_units": 115,
           "round_date": DEFAULT_ROUND_DATE, "profile": "carene"}

__all__ = [
    "BUNDLED", "CARENE", "DEFAULT_ROUND_DATE", "METRO", "PROFILES", "RESERVATAIRES", "Profile",
    "bundled_territory_path", "generate_territory", "write_territory",
]


def generate_territory(seed: int, n_demands: int = 6002, n_units: int = 115, *,
                       round_date: dt.date | str = DEFAULT_ROUND_DATE,
                       profile: str = "carene") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Draw a synthetic territory: demands, the units of one round, and its policy.

    Parameters
    ----------
    seed
        Seed of the random generator (an int ≥ 0); the same seed gives the same territory.
        Demands and units use independent streams, so changing ``n_units`` keeps the
        demands.
    n_demands, n_units
        Pending demands and freed units of the round (6,002 × 115: a CARENE month;
        6,002 × 1,377: a CARENE year; 60,000 × 13,000 with ``profile="metro"``).
    round_date
        Date of the round (``datetime.date`` or ``YYYY-MM-DD``): registrations are before
        it, availabilities after it, and its year picks the income-ceiling table.
    profile
        ``"carene"`` (the 10 real communes and six landlords) or ``"metro"`` (a made-up
        métropole of 30 communes and 12 landlords).

    Returns
    -------
    demands, units, policy
        Two DataFrames with the columns of ``demands.csv`` and ``units.csv`` (bool dtype
        for booleans, datetime64 for dates, ``;``-joined strings for lists) and the policy
        as the nested dicts ``tomllib`` reads from ``policy.toml``.
    """
    seed, n_demands, n_units, round_date, prof = _check(seed, n_demands, n_units,
                                                         round_date, profile)
    policy = policy_dict(prof, round_date)
    demand_rng, unit_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    demands = generate_demands(demand_rng, n_demands, prof, round_date,
                               policy["territory"]["ceilings_year"],
                               policy["eligibility"]["typology_by_size"])
    units = generate_units(unit_rng, n_units, prof, round_date)
    return demands, units, policy


def write_territory(out_dir: str | Path, seed: int, n_demands: int = 6002, n_units: int = 115,
                    *, round_date: dt.date | str = DEFAULT_ROUND_DATE, profile: str = "carene",
                    overwrite: bool = False) -> Path:
    """Generate a territory and write ``demands.csv``, ``units.csv``, ``policy.toml`` and
    ``manifest.json`` (what was generated, with each file's SHA-256).

    The files are written in a temporary folder next to ``out_dir`` which is then renamed,
    so ``out_dir`` never holds half a territory. Parameters are those of
    :func:`generate_territory`.

    Parameters
    ----------
    out_dir
        Folder to create (its parents are created too).
    overwrite
        Replace an existing territory folder that ``generate`` wrote (recognised by its
        ``manifest.json``, and holding only the files listed there, unchanged).

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    attribution.models.io.folders.OutputFolderError
        ``out_dir`` is a file, the current folder or an ancestor, a non-empty folder and
        ``overwrite`` is false, or (even with ``overwrite``) a folder ``generate`` did not
        write or one holding files it did not write.
    ValueError
        A parameter is out of range.
    """
    check_target(Path(out_dir), overwrite)  # fail before generating
    demands, units, policy = generate_territory(seed, n_demands, n_units,
                                                round_date=round_date, profile=profile)
    text = policy_toml(policy, profile_key=profile, seed=int(seed))

    def fill(folder: Path) -> None:
        write_csv(demands, folder / "demands.csv")
        write_csv(units, folder / "units.csv")
        (folder / "policy.toml").write_text(text, encoding="utf-8", newline="\n")

    about = {"seed": int(seed), "demands": int(n_demands), "units": int(n_units),
             "round_date": str(round_date), "profile": profile}
    return write_atomically(Path(out_dir), fill, overwrite, about)


def bundled_territory_path() -> Path:
    """Folder of the territory shipped in the package (CARENE-like, seed 2025, one month)."""
    return Path(__file__).resolve().parent.parent / "data" / "carene"


def _check(seed, n_demands, n_units, round_date, profile):
    """Validate the parameters of :func:`generate_territory` (sklearn-style messages)."""
    for name, v, low in (("seed", seed, 0), ("n_demands", n_demands, 1), ("n_units", n_units, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"The '{name}' parameter of generate_territory must be an int "
                             f">= {low}; got {v!r} instead.")
    if profile not in PROFILES:
        raise ValueError("The 'profile' parameter of generate_territory must be one of "
                         f"{sorted(PROFILES)}; got {profile!r} instead.")
    if isinstance(round_date, str):
        try:
            round_date = dt.date.fromisoformat(round_date)
        except ValueError:
            raise ValueError("The 'round_date' parameter of generate_territory must be a "
                             f"date YYYY-MM-DD; got {round_date!r} instead.") from None
    if isinstance(round_date, dt.datetime):
        round_date = round_date.date()
    if not isinstance(round_date, dt.date):
        raise ValueError("The 'round_date' parameter of generate_territory must be a date; "
                         f"got {round_date!r} instead.")
    return int(seed), int(n_demands), int(n_units), round_date, PROFILES[profile]
