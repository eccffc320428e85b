"""Check a table of raw strings against its column contract, collecting every problem.

The table is a pandas DataFrame of stripped strings whose index holds the row numbers a
spreadsheet shows (header = 1, first data row = 2), as :func:`models.io.readers.read_table`
returns it. :func:`parse_columns` checks the header and parses every contract column
vectorised; problems are capped per column and kind (:data:`CAP` rows, then one
"and N more rows" line) so that a broken 100,000-row file stays readable, while every
distinct column and kind of problem is still reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .cells import (Parsed, did_you_mean, parse_bool, parse_category, parse_criterion,
                    parse_date, parse_int, parse_list, parse_number, suggest)
from ..errors import Problem
from ..i18n import _, num
from .schema import DOMAINS
from .schema import ColumnSpec

#: Rows listed one by one per column and kind of problem before summarising the rest.
CAP = 20


def show(value: str, limit: int = 40) -> str:
    """A cell quoted for a message (shortened when long)."""
    value = str(value)
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


class Report:
    """Collects the problems of one table file, with spreadsheet row numbers."""

    def __init__(self, file: str, rows: np.ndarray):
        self.file = file
        self.rows = np.asarray(rows)
        self.problems: list[Problem] = []

    def header(self, column: str | None, message: str) -> None:
        """A problem with the header (row 1)."""
        self.problems.append(Problem(self.file, 1, column, message))

    def cells(self, column: str, mask: np.ndarray, message: Callable[[int], str]) -> None:
        """One problem per row where ``mask`` holds, capped; ``message(position)``."""
        idx = np.flatnonzero(mask)
        for pos in idx[:CAP]:
            self.problems.append(Problem(self.file, int(self.rows[pos]), column, message(pos)))
        if len(idx) > CAP:
            first, last = int(self.rows[idx[CAP]]), int(self.rows[idx[-1]])
            self.problems.append(Problem(
                self.file, None, column, _(
                    "and {n} more rows with the same problem (rows {first} to {last})").format(
                    n=num(len(idx) - CAP), first=num(first), last=num(last))))


def check_header(df: pd.DataFrame, specs: Mapping[str, ColumnSpec], report: Report,
                 *, allow_extra: bool) -> list[str]:
    """Report missing required columns and misspelt ones; return the extra column names.

    An extra column close to the name of an absent contract column is reported as a
    probable misspelling (so ``housing_alowance`` never passes for a criterion). Without
    ``allow_extra`` every extra column is reported.
    """
    present = list(df.columns)
    extra = [c for c in present if c not in specs]
    absent = [n for n in specs if n not in present]
    explained = set()  # extra columns already offered as the fix of a missing one
    for name in absent:
        if specs[name].required:
            hint = suggest(name, extra)
            report.header(name, _("the required column is missing{hint}").format(hint=hint))
            explained.update(c for c in extra if hint == did_you_mean(c))
    kept = []
    for col in (c for c in extra if c not in explained):
        close = suggest(col, absent) if absent else ""
        if close and _very_close(col, absent):
            report.header(col, _("is not a column of the data contract{hint}").format(
                hint=close))
        elif not allow_extra:
            report.header(col, _("is not a column of the data contract; expected one of "
                                 "{names}{hint}").format(names=", ".join(specs),
                                                         hint=suggest(col, list(specs))))
        else:
            kept.append(col)
    return kept


def _very_close(name: str, candidates: Sequence[str]) -> bool:
    import difflib
    return bool(difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.85))


def parse_columns(df: pd.DataFrame, specs: Mapping[str, ColumnSpec], report: Report,
                  names: Mapping[str, Sequence[str] | None]) -> dict[str, Parsed]:
    """Parse every contract column present in ``df``, reporting bad and empty cells.

    ``names`` maps a domain (``communes``, ...) to its valid names, or ``None`` when the
    policy could not tell them (such cells are then not checked).
    """
    comma = bool(df.attrs.get("decimal_comma", False))
    out = {}
    for name, spec in specs.items():
        if name not in df.columns:
            continue
        col = df[name]
        if spec.kind in ("list", "category"):
            valid = names.get(spec.domain)
            if valid is None:
                continue
            p = (parse_list if spec.kind == "list" else parse_category)(col, valid)
        else:
            p = {"int": lambda c: parse_int(c, decimal_comma=comma),
                 "float": lambda c: parse_number(c, decimal_comma=comma),
                 "bool": parse_bool, "date": parse_date,
                 "id": lambda c: Parsed(c.to_numpy(dtype=object), np.zeros(len(c), bool),
                                        (c.str.len() == 0).to_numpy(dtype=bool)),
                 }[spec.kind](col)
        out[name] = _report_cells(col, spec, p, report,
                                  valid if spec.kind in ("list", "category") else ())
    return out


def _one_of(spec: ColumnSpec, valid: Sequence[str]) -> str:
    domain = _(DOMAINS.get(spec.domain or "", spec.domain or ""))
    names = (", ".join(valid) if len(valid) <= 12
             else _("the {n} {domain} of policy.toml").format(n=len(valid), domain=domain))
    if spec.kind == "list":
        return _("a ';'-separated list of {domain} among {names}").format(domain=domain,
                                                                           names=names)
    return _("one of {names}").format(names=names)


def _report_cells(col: pd.Series, spec: ColumnSpec, p: Parsed, report: Report,
                  valid: Sequence[str]) -> Parsed:
    """Report bad, empty and out-of-range cells; out-of-range ones become bad."""
    name, expected = spec.name, spec.expected
    if spec.kind in ("list", "category"):
        expected = _one_of(spec, valid)
    if p.bad.any():
        if spec.kind == "list":
            report.cells(name, p.bad, lambda i: _(
                "expected {expected}, got unknown {names}").format(expected=expected,
                                                                    names=p.detail(i)))
        elif spec.kind == "category":
            report.cells(name, p.bad, lambda i: _("expected {expected}, got {value}").format(
                expected=expected, value=show(col.iloc[i]) + suggest(col.iloc[i], valid)))
        else:
            report.cells(name, p.bad, lambda i: _("expected {expected}, got {value}").format(
                expected=expected, value=show(col.iloc[i])))
    if spec.required and spec.kind != "list" and p.empty.any():
        report.cells(name, p.empty, lambda i: _("expected {expected}, got an empty "
                                                "cell").format(expected=expected))
    if spec.low is not None:
        ok = ~(p.bad | p.empty)
        low = (p.values <= spec.low) if spec.strict else (p.values < spec.low)
        report.cells(name, ok & low, lambda i: _("expected {expected}, got {value}").format(
            expected=expected, value=show(col.iloc[i])))
        return Parsed(p.values, p.bad | (ok & low), p.empty, p.detail)
    return p


def parse_extra(df: pd.DataFrame, extra: Sequence[str], used: Mapping[str, str],
                report: Report) -> dict[str, np.ndarray]:
    """Parse extra columns as criteria (numbers or true/false, empty = 0).

    A column the policy uses (``used``: column -> policy key) gets its bad cells reported;
    an unused column that is not all numbers/booleans is reported as unknown.
    """
    comma = bool(df.attrs.get("decimal_comma", False))
    out = {}
    for col in extra:
        p = parse_criterion(df[col], decimal_comma=comma)
        if not p.bad.any():
            out[col] = p.values
        elif col in used:
            cells = df[col]
            report.cells(col, p.bad, lambda i: _(
                "expected a number or true/false (the column is used by policy key {key}), "
                "got {value}").format(key=used[col], value=show(cells.iloc[i])))
        else:
            first = int(np.flatnonzero(p.bad)[0])
            report.header(col, _(
                "is not a column of the data contract, and not a criterion column either "
                "(criteria hold numbers or true/false; row {row} holds {value})").format(
                row=int(report.rows[first]), value=show(df[col].iloc[first])))
    return out


def report_duplicates(ids: pd.Series, column: str, report: Report) -> None:
    """One problem per repeated identifier (after its first row), with the first row."""
    dup = ids.duplicated(keep="first").to_numpy() & (ids.str.len() > 0).to_numpy()
    if not dup.any():
        return
    first_row = pd.Series(report.rows, index=ids.index).groupby(ids.to_numpy()).transform("first")
    first = first_row.to_numpy()
    report.cells(column, dup, lambda i: _(
        "expected a unique identifier, got {value}, already on row {row}").format(
        value=show(ids.iloc[i]), row=int(first[i])))
