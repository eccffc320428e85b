"""Tables as they are exported (Imhoweb, SNE, re-saved by Excel), brought onto the
contract before validation.

- An optional ``columns.toml`` in the territory folder maps an extraction's own headers
  and values onto the contract::

      [demands.columns]          # contract column = header in the file
      demand_id = "Numéro unique"
      registered_on = "Date de dépôt"
      [units.columns]
      unit_id = "N° logement"
      [units.values.financing]   # optional: spellings of a column's values
      "PLAI adapté" = "PLAI-A"
      [values]                   # extra spellings of booleans, for every column
      true = ["Oui", "O", "X"]
      false = ["Non", "N"]

  Every mapping error (a mapped header missing from the file, two contract columns on one
  header, a column or table the contract does not know, a value of the wrong type) is an
  input problem of ``columns.toml``, all listed together.
- Headers are then matched to the contract's columns (and to the criterion columns the
  policy names) case- and accent-insensitively, with surrounding spaces trimmed and
  spaces / hyphens read as underscores: ``Household Size`` is ``household_size``.
- Boolean columns: an ``X`` (any case) means true; in a column holding ``X`` marks, an
  empty cell means false (a ticked-box export).
- Columns outside the contract that are not criteria (numbers or booleans) are dropped
  and listed in one notice; a header very close to a contract column it does not match
  is kept, so that validation reports it as a probable misspelling.

Dates ``dd/mm/yyyy`` and the booleans ``Oui/Non``, ``O/N``, ``VRAI/FAUX`` are read by
:mod:`models.io.cells` for every file, with or without ``columns.toml``.
"""

from __future__ import annotations

import difflib
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .cells import BOOL_WORDS, did_you_mean, parse_criterion
from ..errors import Problem
from ..i18n import _
from .schema import DEMAND_COLUMNS, UNIT_COLUMNS

FILE = "columns.toml"
TABLES = {"demands": DEMAND_COLUMNS, "units": UNIT_COLUMNS}


def fold(name: str) -> str:
    """A header folded for matching: trimmed, lower case, accents off, spaces and hyphens
    as underscores (``" Date de Dépôt "`` → ``date_de_depot``)."""
    text = unicodedata.normalize("NFKD", str(name).strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return "_".join(text.replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class ColumnsMapping:
    """What ``columns.toml`` says (empty when the file is absent)."""

    #: table → contract column → header in the file
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    #: table → column → folded spelling → contract value
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    true: tuple[str, ...] = ()
    false: tuple[str, ...] = ()


def read_mapping(folder: Path) -> tuple[ColumnsMapping, list[Problem]]:
    """Read ``columns.toml`` of a territory folder (an absent file maps nothing)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return ColumnsMapping(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return ColumnsMapping(), [Problem(FILE, None, None, _(
            "is not valid TOML ({error})").format(error=exc))]
    problems: list[Problem] = []
    columns: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, dict[str, str]]] = {}
    for key in data:
        if key not in (*TABLES, "values"):
            problems.append(Problem(FILE, None, key, _(
                "is not a table of columns.toml; expected demands, units or values")))
    for table, specs in TABLES.items():
        section = data.get(table, {})
        if not isinstance(section, dict):
            problems.append(Problem(FILE, None, table, _(
                "expected a table ([demands.columns], [units.columns])")))
            continue
        for key in section:
            if key not in ("columns", "values"):
                problems.append(Problem(FILE, None, f"{table}.{key}", _(
                    "is not a key of columns.toml; expected columns or values")))
        cols = section.get("columns", {})
        if not isinstance(cols, dict):
            problems.append(Problem(FILE, None, f"{table}.columns", _(
                "expected a table of contract column = \"header in the file\"")))
            cols = {}
        mapped: dict[str, str] = {}
        by_header: dict[str, str] = {}
        for contract, header in cols.items():
            where = f"{table}.columns.{contract}"
            if not isinstance(header, str) or not header.strip():
                problems.append(Problem(FILE, None, where, _(
                    "expected the header of the file as a non-empty string, got {value}").format(
                    value=repr(header))))
                continue
            if contract not in specs and table == "units":
                close = difflib.get_close_matches(contract, list(specs), n=1)
                problems.append(Problem(FILE, None, where, _(
                    "is not a column of units in the data contract{hint}").format(
                    hint=did_you_mean(close[0]) if close else "")))
                continue
            other = by_header.get(fold(header))
            if other is not None:
                problems.append(Problem(FILE, None, where, _(
                    "maps the header {header} already mapped to '{other}'; one header can "
                    "feed one contract column only").format(header=repr(header), other=other)))
                continue
            by_header[fold(header)] = contract
            mapped[contract] = header
        columns[table] = mapped
        vals = section.get("values", {})
        if not isinstance(vals, dict) or not all(isinstance(v, dict) for v in vals.values()):
            problems.append(Problem(FILE, None, f"{table}.values", _(
                "expected tables [{table}.values.<column>] of \"spelling\" = \"value\"").format(
                table=table)))
            vals = {}
        values[table] = {c: {fold(k): str(v) for k, v in m.items()} for c, m in vals.items()}
    words = data.get("values", {})
    true = false = ()
    if not isinstance(words, dict):
        problems.append(Problem(FILE, None, "values", _(
            "expected a table with true = [...] and false = [...]")))
    else:
        for key in words:
            if key not in ("true", "false"):
                problems.append(Problem(FILE, None, f"values.{key}", _(
                    "expected only the keys true and false")))
        lists = {}
        for key in ("true", "false"):
            v = words.get(key, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                problems.append(Problem(FILE, None, f"values.{key}", _(
                    "expected a list of strings, such as {example}").format(
                    example='["Oui", "O"]')))
                v = []
            lists[key] = tuple(x.strip().casefold() for x in v)
        both = set(lists["true"]) & set(lists["false"])
        if both:
            problems.append(Problem(FILE, None, "values", _(
                "spells both true and false: {words}").format(words=", ".join(sorted(both)))))
        true, false = lists["true"], lists["false"]
    return ColumnsMapping(columns, values, true, false), problems


def normalise(df: pd.DataFrame, table: str, file: str, mapping: ColumnsMapping,
              criteria: Iterable[str] = ()) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Bring one raw table onto the contract: ``(table, problems, ignored columns)``.

    ``criteria`` are the demand columns the policy names (cotation criteria, réservataire
    eligibility), matched like contract columns.
    """
    specs = TABLES[table]
    problems: list[Problem] = []
    attrs = dict(df.attrs)
    present = list(df.columns)
    by_fold: dict[str, list[str]] = {}
    for c in present:
        by_fold.setdefault(fold(c), []).append(c)
    rename: dict[str, str] = {}
    # 1. columns.toml: mapped headers (folded match, so trailing spaces do not matter)
    for contract, header in mapping.columns.get(table, {}).items():
        found = by_fold.get(fold(header), [])
        if not found:
            close = difflib.get_close_matches(header, present, n=1, cutoff=0.6)
            problems.append(Problem(FILE, None, f"{table}.columns.{contract}", _(
                "maps the header {header}, which {file} does not have{hint}").format(
                header=repr(header), file=file, hint=did_you_mean(close[0]) if close else "")))
            continue
        rename[found[0]] = contract
    # 2. headers matching a contract or criterion column up to case, accents and spaces
    targets = {fold(n): n for n in (*specs, *criteria)}
    taken = set(rename.values())
    for c in present:
        if c in rename:
            continue
        target = targets.get(fold(c))
        if target is not None and target not in taken and c != target:
            rename[c] = target
            taken.add(target)
        elif target is not None:
            taken.add(target)
    df = df.rename(columns=rename)
    df.attrs.update(attrs)
    seen: set[str] = set()
    for c in df.columns:
        if c in seen:
            originals = [o for o in present if rename.get(o, o) == c]
            problems.append(Problem(file, 1, c, _(
                "is given by more than one header ({headers}); keep one or fix "
                "columns.toml").format(headers=", ".join(repr(o) for o in originals))))
        seen.add(c)
    if problems:
        return df, problems, []
    # 3. values: per-column spellings, then boolean spellings of every column
    for col, spellings in mapping.values.get(table, {}).items():
        if col in df.columns:
            folded = df[col].map(fold)
            df[col] = np.where(folded.isin(list(spellings)), folded.map(spellings), df[col])
    bool_cols = [c for c, s in specs.items() if s.kind == "bool" and c in df.columns]
    extra = [c for c in df.columns if c not in specs]
    for col in bool_cols + extra:
        df[col] = _booleans(df[col], mapping, col in bool_cols)
    # 4. columns outside the contract: criteria stay, text columns are ignored
    crit = set(criteria)
    absent = [n for n in specs if n not in df.columns]
    ignored = []
    for col in extra:
        if col in crit:
            continue
        if absent and difflib.get_close_matches(col, absent, n=1, cutoff=0.85):
            continue   # a probable misspelling: validation names it
        if table == "units" or parse_criterion(
                df[col], decimal_comma=bool(df.attrs.get("decimal_comma"))).bad.any():
            ignored.append(col)
    if ignored:
        df = df.drop(columns=ignored)
        df.attrs.update(attrs)
    return df, problems, ignored


def _booleans(col: pd.Series, mapping: ColumnsMapping, is_bool: bool) -> pd.Series:
    """Boolean spellings of ``columns.toml`` → true/false; ``X`` marks (empty = false)."""
    uniques = pd.unique(col)
    folded = {u: u.strip().casefold() for u in uniques}
    table = {}
    for u, f in folded.items():
        if f in mapping.true:
            table[u] = "true"
        elif f in mapping.false:
            table[u] = "false"
    marks = {f for f in folded.values()} - {""}
    if marks and all(f == "x" or f in mapping.true or f in mapping.false or f in BOOL_WORDS
                     for f in marks) and "x" in marks:
        table.update({u: "true" for u, f in folded.items() if f == "x"})
        if is_bool or marks <= {"x"}:
            table.update({u: "false" for u, f in folded.items() if f == ""})
    if not table:
        return col
    return col.map(lambda v: table.get(v, v))


def notice(file: str, ignored: list[str]) -> str:
    """The one notice listing the columns ignored in a file."""
    return _("{file}: {n} column(s) outside the data contract ignored: {columns}").format(
        file=file, n=len(ignored), columns=", ".join(ignored))
