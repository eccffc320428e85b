"""Writing a territory folder in the contract's format, atomically."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd


def contract_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` as the CSV must show it: booleans true/false, ISO dates."""
    out = df.copy()
    for col in out.columns:
        kind = out[col].dtype.kind
        if kind == "b":
            out[col] = np.where(out[col].to_numpy(), "true", "false")
        elif kind == "M":
            out[col] = np.datetime_as_string(out[col].to_numpy().astype("datetime64[D]"))
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8, comma-separated, header row, ``\\n`` line ends (identical bytes everywhere)."""
    contract_frame(df).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def check_target(out_dir: Path, overwrite: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder unless ``overwrite``."""
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"The output '{out_dir}' must be a folder; got a file instead.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f"The output folder '{out_dir}' is not empty; "
                              "choose another folder or allow overwriting (--force).")


def write_atomically(out_dir: Path, fill: Callable[[Path], None], overwrite: bool) -> Path:
    """Fill a temporary folder next to ``out_dir`` with ``fill``, then rename it into place.

    A crash leaves either the old folder or the complete new one, never half a territory.
    """
    out_dir = Path(out_dir)
    check_target(out_dir, overwrite)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        fill(tmp)
        tmp.chmod(0o755)
        if out_dir.exists():
            check_target(out_dir, overwrite)
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            old.rmdir()
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
