"""Write a results folder atomically: all of it, or nothing.

Files are written into a hidden temporary folder beside the target (same file system, so
the final step is a rename). On success the temporary folder is renamed to the target; on
any failure — an exception, Ctrl-C (``KeyboardInterrupt``), ``SystemExit`` — it is
removed and the target is left exactly as it was. An existing target is replaced only
with ``force=True``, and only after the new folder is complete: the old one is first
renamed aside, the new one renamed in, and the old one deleted last.

With ``force``, a non-empty existing folder is replaced only when it looks like a results
folder (it holds ``manifest.json``), so that a mistyped ``--out ~`` cannot wipe a home
directory.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from attribution.models.errors import AttributionError

#: The file whose presence marks a folder as one this package wrote (and may replace).
MARKER = "manifest.json"


class ResultsFolderError(AttributionError):
    """The results folder cannot be written where asked (exists, or is not a folder)."""


def check_target(target: Path | str, force: bool = False) -> Path:
    """Refuse early a target that :func:`atomic_folder` would refuse at the end.

    Parameters
    ----------
    target
        The results folder asked for.
    force
        Whether an existing results folder may be replaced.

    Returns
    -------
    pathlib.Path
        The target as an absolute path.

    Raises
    ------
    ResultsFolderError
        When the target exists and ``force`` is false, when it is a file, or when it is a
        non-empty folder that does not hold ``manifest.json``.
    """
    target = Path(target).absolute()
    if not target.exists():
        if not target.parent.is_dir():
            raise ResultsFolderError(
                f"The results folder's parent '{target.parent}' must be an existing folder; "
                "it does not exist.")
        return target
    if not target.is_dir():
        raise ResultsFolderError(f"The results path '{target}' must be a folder; got a file.")
    if not force:
        raise ResultsFolderError(
            f"The results folder '{target}' already exists; pass --force to replace it.")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise ResultsFolderError(
            f"The folder '{target}' is not empty and holds no {MARKER}; refusing to replace "
            "a folder this tool did not write, even with --force.")
    return target


@contextmanager
def atomic_folder(target: Path | str, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder whose content becomes ``target`` when the block succeeds.

    Parameters
    ----------
    target
        Final folder.
    force
        Replace an existing results folder (see the module docstring).

    Yields
    ------
    pathlib.Path
        The temporary folder to write into.

    Raises
    ------
    ResultsFolderError
        As :func:`check_target`, checked both before and after the block.
    """
    target = check_target(target, force)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = target.parent / f".{target.name}.tmp-{tag}"
    tmp.mkdir()
    try:
        yield tmp
        check_target(target, force)  # the world may have changed during a long solve
        if target.exists():
            old = target.parent / f".{target.name}.old-{tag}"
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
