"""Vectorised parsing of table cells (strings) into typed numpy arrays.

Every parser takes a column of already-stripped strings (a pandas Series, ``""`` for an
empty cell) and returns a :class:`Parsed`: the values, a mask of cells that could not be
parsed and a mask of empty cells. Nothing loops over rows in Python: numbers and dates go
through pandas' vectorised converters, and words (booleans, names, lists) are parsed once
per *distinct* string (``pandas.factorize``) and broadcast back with the codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Accepted boolean spellings (compared case-insensitively). ``vrai``/``faux`` are what
#: French spreadsheets write for TRUE/FALSE; ``1.0``/``0.0`` what Excel number cells give.
BOOL_WORDS: dict[str, bool] = {
    "true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False,
    "yes": True, "no": False, "oui": True, "non": False, "vrai": True, "faux": False,
    "o": True, "n": False, "x": True,
}

#: Excel and Parquet write dates as (UTC) midnight timestamps: the time part is dropped.
_MIDNIGHT = r"[ T]00:00(:00(\.0+)?)?(Z|[+-]00:?00)?$"


@dataclass(frozen=True)
class Parsed:
    """Result of parsing one column.

    ``values`` hold a default (0, False, NaT, -1, an all-False row) where a cell is empty
    or bad; ``detail`` (optional) gives, per row, the offending part of a bad cell (the
    unknown name inside a list).
    """

    values: np.ndarray
    bad: np.ndarray
    empty: np.ndarray
    detail: Callable[[int], str] | None = None


def empty_mask(col: pd.Series) -> np.ndarray:
    """Mask of empty cells."""
    return (col.str.len() == 0).to_numpy(dtype=bool)


def _by_distinct(col: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    return codes, [str(u) for u in uniques]


def parse_number(col: pd.Series, *, decimal_comma: bool = False) -> Parsed:
    """Parse finite numbers (``1234,5`` and ``1 234,5`` too when ``decimal_comma``)."""
    empty = empty_mask(col)
    text = col
    if decimal_comma:
        text = col.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    # parse each distinct string once: integer-like and boolean columns have few of them,
    # and pandas' converter is slow on the strings it rejects
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
    values = parsed.to_numpy(dtype=np.float64, na_value=np.nan)[codes]
    bad = ~np.isfinite(values) & ~empty
    values = np.where(np.isfinite(values), values, 0.0)
    return Parsed(values, bad, empty)


def parse_int(col: pd.Series, *, decimal_comma: bool = False) -> Parsed:
    """Parse integers; ``3.0`` is accepted (spreadsheets store numbers as floats)."""
    p = parse_number(col, decimal_comma=decimal_comma)
    fractional = p.values != np.round(p.values)
    too_big = np.abs(p.values) > 2.0**53
    bad = p.bad | fractional | too_big
    return Parsed(np.where(bad, 0, p.values).astype(np.int64), bad, p.empty)


def parse_bool(col: pd.Series) -> Parsed:
    """Parse the spellings of :data:`BOOL_WORDS`, any case."""
    codes, uniques = _by_distinct(col)
    # per distinct string: 1 true, 0 false, -1 unknown, -2 empty
    table = np.array([-2 if u == "" else int(BOOL_WORDS.get(u.lower(), -1)) for u in uniques]
                     + [-2], dtype=np.int8)
    state = table[codes]
    return Parsed(state == 1, state == -1, state == -2)


def parse_criterion(col: pd.Series, *, decimal_comma: bool = False) -> Parsed:
    """Parse a cotation criterion: a number or a boolean word (true = 1); empty = 0."""
    p = parse_number(col, decimal_comma=decimal_comma)
    if not p.bad.any():
        return p
    b = parse_bool(col)
    values = np.where(p.bad & ~b.bad, b.values.astype(np.float64), p.values)
    return Parsed(values, p.bad & b.bad, p.empty)


def parse_date(col: pd.Series) -> Parsed:
    """Parse ISO dates ``YYYY-MM-DD`` and French ``dd/mm/yyyy`` (a midnight time part is
    tolerated) to datetime64[D]."""
    empty = empty_mask(col)
    text = col.str.replace(_MIDNIGHT, "", regex=True)
    stamps = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    values = stamps.to_numpy().astype("datetime64[D]")
    french = np.isnat(values) & ~empty
    if french.any():
        again = pd.to_datetime(text[french], format="%d/%m/%Y", errors="coerce")
        values[french] = again.to_numpy().astype("datetime64[D]")
    bad = np.isnat(values) & ~empty
    return Parsed(values, bad, empty)


def matcher(names: Sequence[str], *, fold: bool = True) -> Callable[[str], int]:
    """A function mapping a name to its index in ``names`` (-1 if unknown).

    Exact match first; then, if ``fold``, a case-insensitive match when it is unique.
    """
    exact = {n: i for i, n in enumerate(names)}
    folded: dict[str, int] = {}
    for i, n in enumerate(names):
        folded[n.casefold()] = -2 if n.casefold() in folded else i  # -2: ambiguous

    def find(name: str) -> int:
        i = exact.get(name)
        if i is None and fold:
            i = folded.get(name.casefold(), -1)
        return -1 if i is None or i < 0 else i

    return find


def suggest(name: str, names: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``names``, or an empty string."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    if not close:
        folded = {n.casefold(): n for n in names}
        matches = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
        close = [folded[c] for c in matches]
    return did_you_mean(close[0]) if close else ""


def did_you_mean(name: str) -> str:
    """`` (did you mean 'x'?)`` in the current language."""
    from ..i18n import _
    return _(" (did you mean '{name}'?)").format(name=name)


def parse_category(col: pd.Series, names: Sequence[str]) -> Parsed:
    """Parse one name out of ``names`` into its index (-1 when empty or unknown)."""
    find = matcher(names)
    codes, uniques = _by_distinct(col)
    table = np.array([find(u) if u else -1 for u in uniques] + [-1], dtype=np.int64)
    unknown = np.array([bool(u) and find(u) < 0 for u in uniques] + [False])
    values = table[codes]
    return Parsed(values, unknown[codes], empty_mask(col))


def parse_list(col: pd.Series, names: Sequence[str]) -> Parsed:
    """Parse ``;``-separated names into a boolean matrix ``(n, len(names))``.

    An empty cell gives an all-False row (the caller decides what "no list" means).
    ``detail(row)`` names the unknown entries of a bad cell.
    """
    find = matcher(names)
    codes, uniques = _by_distinct(col)
    rows = np.zeros((len(uniques) + 1, len(names)), dtype=bool)
    unknown: list[list[str]] = []
    for k, text in enumerate(uniques):
        missing = []
        for token in filter(None, (t.strip() for t in text.split(";"))):
            i = find(token)
            if i >= 0:
                rows[k, i] = True
            else:
                missing.append(token)
        unknown.append(missing)
    unknown.append([])
    bad = np.array([bool(m) for m in unknown])[codes]
    empty = np.array([not u.replace(";", "").strip() for u in uniques] + [True])[codes]

    def detail(row: int) -> str:
        missing = unknown[codes[row]]
        return ", ".join(f"'{m}'{suggest(m, names)}" for m in missing)

    return Parsed(rows[codes], bad, empty, detail)
