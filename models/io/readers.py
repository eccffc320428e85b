"""Read a territory folder: table files into raw strings, then :func:`load_territory`.

Tables may be CSV, Parquet or Excel (``.xlsx``) with the contract's columns. CSV files are
read as the data contract says (UTF-8, ``,``) and also as French spreadsheets export
them: ``;`` separator with decimal commas, Windows-1252 (or Latin-1) encoding, a UTF-8 or
UTF-16 byte-order mark. Every table comes back as a DataFrame of stripped strings (``""``
for an empty cell) whose index is the row number a spreadsheet shows (header = 1), with
``df.attrs["decimal_comma"]`` telling whether numbers may use a decimal comma.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import extraction
from ..errors import DataError, Problem
from .folders import sha256_file as sha256  # noqa: F401  (input hashes: one definition)
from ..i18n import _
from .policy_io import read_policy
from ..score_range import check_objective
from .table_formats import read_csv, read_parquet, read_xlsx
from ..territory import Territory
from .validation import validate_demands, validate_units

#: Table formats accepted, in the order they are looked for.
SUFFIXES = (".csv", ".parquet", ".xlsx")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``.csv``, ``.parquet`` or ``.xlsx`` table as stripped strings.

    Raises
    ------
    DataError
        The file is missing, empty, unreadable, its header is broken, or rows have a
        wrong number of fields.
    """
    df, problems = read_table_lenient(path)
    if problems:
        raise DataError(problems)
    return df


def read_table_lenient(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Like :func:`read_table`, but rows with a wrong number of fields are left out and
    returned as problems, so that the other rows can still be checked.

    Raises
    ------
    DataError
        The file as a whole cannot be read.
    """
    path = Path(path)
    file = path.name
    if not path.is_file():
        raise DataError([Problem(file, None, None, _("the file is missing"))])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = read_csv(path)
    elif suffix == ".parquet":
        df = read_parquet(path)
    elif suffix == ".xlsx":
        df = read_xlsx(path)
    else:
        raise DataError([Problem(file, None, None, _("has an unsupported format; "
                                                             "expected .csv, .parquet or .xlsx"))])
    df = _drop_empty_nameless(df, file)
    if len(df.columns) == 0:
        raise DataError([Problem(file, 1, None, _("the header row names no column; "
                                                         "expected the column names of the "
                                                         "data contract"))])
    if "rows" in df.attrs:  # some rows were left out: keep the others' numbers
        df.index = df.attrs.pop("rows")
    else:
        df.index = np.arange(2, len(df) + 2)
    blank = np.logical_and.reduce([(df[c].str.len() == 0).to_numpy() for c in df.columns])
    if blank.any():
        df = df.loc[~blank]
    problems = df.attrs.pop("problems", [])
    if len(df) == 0 and not problems:
        raise DataError([Problem(file, None, None, _("has a header but no data rows"))])
    return df, problems


def _drop_empty_nameless(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Drop columns without a name and without data (spreadsheets leave such trailing
    columns); a nameless column holding data, or a repeated name, is a problem."""
    names = [str(c).strip() for c in df.columns]
    nameless = {i for i, c in enumerate(names) if not c or c.startswith("Unnamed: ")}
    filled = {i for i in nameless if (df.iloc[:, i].str.len() > 0).any()}
    problems = [Problem(file, 1, None, _("column {n} of the header has no name, but cells "
                                              "below it are filled").format(n=i + 1)) for i in sorted(filled)]
    seen: set[str] = set()
    for i, c in enumerate(names):
        if i not in nameless and c in seen:
            problems.append(Problem(file, 1, c, _("appears twice in the header")))
        seen.add(c)
    if problems:
        raise DataError(problems)
    keep = [i for i in range(len(names)) if i not in nameless]
    attrs = dict(df.attrs)
    df = df.iloc[:, keep]
    df.columns = [names[i] for i in keep]
    df.attrs.update(attrs)
    return df


def find_table(folder: Path, stem: str) -> Path:
    """The one ``<stem>.csv|.parquet|.xlsx`` of a folder; :class:`DataError` otherwise."""
    found = [folder / f"{stem}{s}" for s in SUFFIXES if (folder / f"{stem}{s}").is_file()]
    if len(found) == 1:
        return found[0]
    if found:
        names = _(" and ").join(p.name for p in found)
        raise DataError([Problem(found[0].name, None, None, _(
            "is ambiguous: the folder holds {names}; keep only one").format(names=names))])
    old = folder / f"{stem}.xls"
    hint = (_("; {file} is in the old Excel format, save it as .xlsx or CSV").format(
        file=old.name) if old.is_file() else "")
    raise DataError([Problem(f"{stem}.csv", None, None, _(
        "the file is missing: expected {stem}.csv, {stem}.parquet or {stem}.xlsx in "
        "{folder}{hint}").format(stem=stem, folder=folder, hint=hint))])


#: Headers (folded) read as the applicants' names by ``load_territory(..., names=)``.
NAME_COLUMNS = ("name", "nom", "nom_prenom", "nom_et_prenom", "nom_du_demandeur",
                "demandeur")


def load_territory(path: str | Path, *, notices: list[str] | None = None,
                   names: dict[str, str] | None = None) -> Territory:
    """Read and validate a territory folder (demands, units, ``policy.toml``).

    Parameters
    ----------
    path
        Folder holding ``demands``, ``units`` (``.csv``, ``.parquet`` or ``.xlsx``, one of
        each) and ``policy.toml``; optionally ``columns.toml`` (see
        :mod:`models.io.extraction`: an extraction's headers and values mapped onto the
        contract).
    notices
        When given, receives one line per file whose columns outside the contract were
        ignored (not an error).
    names
        When given, receives demand id → the applicant's name, from a demands column named
        as in :data:`NAME_COLUMNS` (case and accents aside) or mapped to ``name`` in
        ``columns.toml``; left empty when there is none. Names never enter the territory
        object, the logs or the machine files.

    Returns
    -------
    Territory
        Immutable validated data, with the SHA-256 of each input file.

    Raises
    ------
    DataError
        With every problem found in the three files.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError([Problem(str(folder), None, None, _(
            "is not a folder; expected a territory folder with demands, units and "
            "policy.toml"))])
    read = read_policy(folder / "policy.toml")
    problems = list(read.problems)
    tables, files = {}, {"policy.toml": folder / "policy.toml"}
    mapping, found = extraction.read_mapping(folder)
    problems.extend(found)
    if (folder / extraction.FILE).is_file():
        files[extraction.FILE] = folder / extraction.FILE
    for stem in ("demands", "units"):
        try:
            file = find_table(folder, stem)
            df, found = read_table_lenient(file)
            criteria = [c for _, c in read.uses] if stem == "demands" else []
            if names is not None and stem == "demands":
                names.update(_names(df, mapping))
            df, mapped, ignored = extraction.normalise(df, stem, file.name, mapping,
                                                       criteria)
            problems.extend(mapped)
            if ignored and notices is not None:
                notices.append(extraction.notice(file.name, ignored))
            files[file.name] = file
            if mapped:   # its columns are not known: validating it would only add noise
                continue
            tables[stem] = (file.name, df)
            problems.extend(found)
        except DataError as exc:
            problems.extend(exc.problems)
    demands = units = None
    if "demands" in tables:
        demands, found = validate_demands(tables["demands"][1], read, tables["demands"][0])
        problems.extend(found)
    if "units" in tables:
        units, found = validate_units(tables["units"][1], read, tables["units"][0])
        problems.extend(found)
    if not problems and demands is not None and units is not None and read.policy:
        problems.extend(check_objective(demands, units, read.policy, tables["units"][0]))
    if problems or demands is None or units is None or read.policy is None:
        order = {"policy.toml": 0, extraction.FILE: 0,
                 **{name: i for i, (name, _df) in enumerate(tables.values(), 1)}}
        raise DataError(sorted(problems, key=lambda p: order.get(p.file, 0)))
    hashes = {name: sha256(p) for name, p in files.items()}
    return Territory(read.policy, demands, units, source=folder, file_hashes=hashes)


def _names(df: pd.DataFrame, mapping) -> dict[str, str]:
    """demand id → name, when the raw demands table has a name column."""
    from .extraction import fold
    header = mapping.columns.get("demands", {}).get("name")
    ids = mapping.columns.get("demands", {}).get("demand_id", "demand_id")
    by_fold = {fold(c): c for c in df.columns}
    name_col = by_fold.get(fold(header)) if header else next(
        (by_fold[n] for n in NAME_COLUMNS if n in by_fold), None)
    id_col = by_fold.get(fold(ids))
    if name_col is None or id_col is None:
        return {}
    return {i: n for i, n in zip(df[id_col], df[name_col]) if i}


def first_fix(folder: str | Path, exc: DataError) -> str:
    """The one fix to make first for a folder that fails, in plain words (current language).

    The order: a missing ``policy.toml`` (everything else depends on it), a missing table
    file, a mapping error of ``columns.toml``, a missing required column, then the first
    problem listed.
    """
    problems = list(exc.problems)
    if not problems:
        return ""
    missing = [p for p in problems if p.row is None and p.column is None
               and p.message.startswith(_("the file is missing"))]
    if any(p.file == "policy.toml" for p in missing):
        return _("create policy.toml in {folder}: 'attribution generate NEW_FOLDER' writes a "
                 "complete example territory (policy.toml, demands.csv, units.csv) to copy "
                 "from, and docs/data-contract.md describes every key.").format(folder=folder)
    if missing:
        return _("add {file} to {folder} (CSV, Parquet or Excel with the contract's columns; "
                 "see docs/data-contract.md).").format(file=missing[0].file.split(":")[0],
                                                        folder=folder)
    mapping = [p for p in problems if p.file == extraction.FILE]
    if mapping:
        return _("correct columns.toml: {problem}").format(problem=mapping[0])
    header = [p for p in problems if p.row == 1 and _("required column is missing") in p.message]
    if header:
        p = header[0]
        return _("add the column '{column}' to {file}, or map your own header to it in "
                 "columns.toml ([{table}.columns] {column} = \"your header\").").format(
            column=p.column, file=p.file, table=Path(p.file).stem)
    return _("{problem}").format(problem=problems[0])
