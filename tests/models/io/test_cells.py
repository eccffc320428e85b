"""Tests of models.io.cells: the vectorised parsers agree with a plain-Python reading."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.models.io.cells import (BOOL_WORDS, parse_bool, parse_category, parse_date, parse_int,
                          parse_list, parse_number)

CELLS = st.one_of(
    st.sampled_from(["", "0", "1", "-1", "2.5", "3.0", "1e3", "inf", "nan", "x", "TRUE",
                     "non", "Oui", "2024-02-29", "2023-02-29", "2024-1-5", "T2", "t3", "PLAI-A",
                     "Saint-Nazaire", "saint-nazaire", "Saint-Nazaire;Pornichet", "Paris;T2"]),
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}"),
)


def _series(cells: list[str]) -> pd.Series:
    return pd.Series(cells, dtype="str")


def _float_or_none(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@settings(max_examples=60, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=40))
def test_numbers_and_integers_agree_with_python(cells):
    """parse_number / parse_int give float() / integral float() cell by cell."""
    num, whole = parse_number(_series(cells)), parse_int(_series(cells))
    for i, cell in enumerate(cells):
        ref = _float_or_none(cell)
        assert num.empty[i] == (cell == "")
        assert num.bad[i] == (cell != "" and ref is None)
        if ref is not None:
            assert num.values[i] == ref
            assert whole.bad[i] == (ref != round(ref))
            if ref == round(ref):
                assert whole.values[i] == int(ref)


@settings(max_examples=60, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=40))
def test_booleans_agree_with_the_word_table(cells):
    """parse_bool looks each cell up in BOOL_WORDS, case-insensitively."""
    p = parse_bool(_series(cells))
    for i, cell in enumerate(cells):
        ref = BOOL_WORDS.get(cell.lower())
        assert p.empty[i] == (cell == "")
        assert p.bad[i] == (cell != "" and ref is None)
        assert p.values[i] == bool(ref)


@settings(max_examples=60, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=40))
def test_dates_agree_with_strptime(cells):
    """parse_date accepts what datetime.strptime('%Y-%m-%d') accepts."""
    p = parse_date(_series(cells))
    for i, cell in enumerate(cells):
        try:
            ref = dt.datetime.strptime(cell, "%Y-%m-%d").date()
        except ValueError:
            ref = None
        assert p.bad[i] == (cell != "" and ref is None)
        if ref is not None:
            assert p.values[i] == np.datetime64(ref, "D")


def test_categories_and_lists():
    """Names match exactly or case-insensitively; lists become boolean rows."""
    names = ("Saint-Nazaire", "Pornichet")
    cat = parse_category(_series(["Pornichet", "saint-nazaire", "", "Paris"]), names)
    assert cat.values.tolist() == [1, 0, -1, -1]
    assert cat.bad.tolist() == [False, False, False, True]
    lst = parse_list(_series(["Pornichet; Saint-Nazaire", "", ";", "Paris;Pornichet"]), names)
    assert lst.values.tolist() == [[True, True], [False, False], [False, False],
                                   [False, True]]
    assert lst.empty.tolist() == [False, True, True, False]
    assert lst.bad.tolist() == [False, False, False, True]
    assert lst.detail(3) == "'Paris'"


def test_midnight_timestamps_are_dates():
    """Dates written as midnight timestamps (Excel, Parquet, UTC) are plain dates."""
    cells = ["2024-01-05 00:00:00", "2024-01-05T00:00", "2024-01-05 00:00:00.000000Z",
             "2024-01-05 00:00:00+00:00", "2024-01-05 13:00:00"]
    p = parse_date(_series(cells))
    assert p.bad.tolist() == [False, False, False, False, True]
    assert (p.values[:4] == np.datetime64("2024-01-05")).all()
