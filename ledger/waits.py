"""Observed waiting times: months from registration to lease of the households housed.

The months are whole calendar months, counted as the data contract counts seniority
(:func:`models.household.months_between`), from ``registered_on`` to the lease date. A
segment is the one of :mod:`models.segments` (size class × main commune), as recorded
when the household's demand was last seen by a round.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from attribution.models.household import months_between

from .rounds import ATTRIBUTION_FIELDS, events_frame, with_snapshots, year_before


def wait_months(frame: pd.DataFrame) -> np.ndarray:
    """Months from ``registered_on`` to ``event_date`` of each row."""
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64)
    reg = pd.to_datetime(frame["registered_on"]).to_numpy().astype("datetime64[D]")
    out = np.empty(len(frame), dtype=np.int64)
    for day, idx in frame.groupby("event_date").indices.items():
        out[idx] = months_between(reg[idx], np.datetime64(day, "D"))
    return out


def observed_table(housed: pd.DataFrame) -> pd.DataFrame:
    """Per segment and per size class (commune ``*``): households housed, median and mean
    months from registration to lease. ``housed`` has ``size_class``, ``main_commune``,
    ``registered_on`` and ``event_date``."""
    cols = ["size_class", "commune", "households", "months_median", "months_mean"]
    if len(housed) == 0:
        return pd.DataFrame(columns=cols)
    f = pd.DataFrame({"size_class": housed["size_class"].astype(int).to_numpy(),
                      "commune": housed["main_commune"].astype(str).to_numpy(),
                      "months": wait_months(housed)})
    parts = []
    for keys in (["size_class", "commune"], ["size_class"]):
        g = f.groupby(keys)["months"]
        t = pd.DataFrame({"households": g.size(), "months_median": g.median(),
                          "months_mean": g.mean()}).reset_index()
        if "commune" not in t:
            t["commune"] = "*"
        parts.append(t[cols])
    return pd.concat(parts, ignore_index=True)


def observed_waits(conn, round_date: dt.date) -> pd.DataFrame:
    """Observed waits of the households housed in the 12 months before ``round_date``
    (:func:`observed_table`); empty when the ledger holds no such lease."""
    events = events_frame(conn, since=year_before(round_date), until=round_date)
    leases = events[events["event"] == "lease_signed"]
    if leases.empty:
        return observed_table(pd.DataFrame(columns=ATTRIBUTION_FIELDS))
    housed = with_snapshots(conn, leases[["unit_id", "demand_id", "event_date",
                                          "reservataire", "outside_tool", "round_id"]])
    return observed_table(housed)
