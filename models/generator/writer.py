"""Writing a territory folder in the contract's format, atomically."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.models.io import folders
from attribution.models.i18n import N_


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


def check_target(out_dir: Path, overwrite: bool) -> Path:
    """Refuse a target that is a file, a non-empty folder without ``overwrite``, or (even
    with it) a folder ``generate`` did not write or holding files it did not write
    (:func:`attribution.models.io.folders.check_target`)."""
    return folders.check_target(out_dir, force=overwrite, kinds=folders.TERRITORY_KINDS,
                                what=N_("territory folder"), empty_ok=True, make_parents=True)


def write_atomically(out_dir: Path, fill: Callable[[Path], None], overwrite: bool,
                     about: dict | None = None) -> Path:
    """Fill a temporary folder next to ``out_dir`` with ``fill``, add its ``manifest.json``
    (the marker that lets ``--force`` replace it later), then rename it into place.

    A crash leaves either the old folder or the complete new one, never half a territory.
    """
    out_dir = Path(out_dir)
    with folders.atomic_folder(out_dir, force=overwrite, kinds=folders.TERRITORY_KINDS,
                               what=N_("territory folder"), empty_ok=True,
                               make_parents=True) as tmp:
        fill(tmp)
        tmp.chmod(0o755)
        files = {p.name: folders.sha256_file(p) for p in sorted(tmp.iterdir())}
        manifest = {"tool": folders.TOOL, "version": _version(), "kind": "territory",
                    "generator": about or {}, "files": files}
        (tmp / folders.MARKER).write_text(json.dumps(manifest, indent=2) + "\n",
                                         encoding="utf-8", newline="\n")
    return out_dir


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("attribution")
    except PackageNotFoundError:
        return "0.1.0+checkout"
