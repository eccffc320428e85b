"""The base territory of a scenario and the stock its freed units are drawn from.

The base is read exactly as ``attribution solve`` reads a territory
(:func:`models.io.readers.load_territory`, every check included): the bundled folder, a
folder named in the scenario, or a territory the generator writes into a temporary
folder. The *unit templates* are what monthly turnover resamples: for a folder, its own
units; for the bundled or a generated territory, a year of freed units (1,377, CARENE's
2023 attributions [S]) drawn once from the generator's unit model with the territory's
seed — so a month's units look like the generator's, not like 115 units repeated.
"""

from __future__ import annotations

import dataclasses
import tempfile
from functools import lru_cache
from pathlib import Path

from attribution.models.generator import BUNDLED, bundled_territory_path, write_territory
from attribution.models.io.readers import load_territory
from attribution.models.policy import Policy
from attribution.models.territory import Territory, Units

from .spec import TerritorySource

#: Freed units of one year in the template stock of a generated territory (CARENE 2023 [S]).
YEAR_OF_UNITS = 1377


def load_base(source: TerritorySource) -> Territory:
    """The base territory of a scenario (validated; raises :class:`models.DataError`)."""
    if source.kind == "path":
        return load_territory(source.path)
    if source.kind == "bundled":
        return load_territory(bundled_territory_path())
    return _generated(source.seed, source.n_demands, source.n_units, source.profile)


def unit_templates(source: TerritorySource, territory: Territory) -> tuple[Units, Policy]:
    """The units monthly turnover resamples (see the module docstring), with the policy
    their landlord, commune and réservataire codes refer to."""
    if source.kind == "path":
        return territory.units, territory.policy
    seed, profile = ((BUNDLED["seed"], BUNDLED["profile"]) if source.kind == "bundled"
                     else (source.seed, source.profile))
    date = territory.policy.territory.round_date
    stock = _generated(seed, 1, YEAR_OF_UNITS, profile, date)
    return stock.units, stock.policy


@lru_cache(maxsize=8)
def _generated(seed: int, n_demands: int, n_units: int, profile: str,
               round_date=None) -> Territory:
    kwargs = {} if round_date is None else {"round_date": round_date}
    with tempfile.TemporaryDirectory(prefix="attribution-scenario-") as tmp:
        folder = write_territory(Path(tmp) / "territory", seed, n_demands, n_units,
                                 profile=profile, **kwargs)
        territory = load_territory(folder)
    return dataclasses.replace(territory, source=None)
