"""Write a results folder atomically: all of it, or nothing; replace only our own folders.

A thin layer over :mod:`attribution.models.io.folders` (shared with ``generate``): files are
written into a hidden temporary folder beside the target and renamed into place when
complete; on any failure — an exception, Ctrl-C, ``SystemExit`` — it is removed and the
target left exactly as it was.

With ``force``, an existing folder is replaced only when it is empty or when its
``manifest.json`` names this tool and a results kind and the folder holds nothing but the
files that manifest lists, unchanged. Anything else (a user's notes, a subfolder, an edited
table) makes it refuse with the list of what would be lost. The path is resolved first
(links followed); the current folder and its ancestors are refused. Folders left by a
killed run are cleaned at the next run on the same target.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from attribution.models.io import folders
from attribution.models.io.folders import MARKER, OutputFolderError

__all__ = ["MARKER", "ResultsFolderError", "atomic_folder", "check_target"]

#: The error of a results folder that cannot be written where asked.
ResultsFolderError = OutputFolderError


def check_target(target: Path | str, force: bool = False) -> Path:
    """Refuse early a target that :func:`atomic_folder` would refuse at the end.

    Returns
    -------
    pathlib.Path
        The target, resolved (absolute, links followed).

    Raises
    ------
    ResultsFolderError
        The target exists and ``force`` is false; it is a file; it is the current folder
        or an ancestor; it was not written by this tool; or replacing it would lose files
        this tool did not write (listed).
    """
    return folders.check_target(target, force=force, kinds=folders.RESULTS_KINDS)


@contextmanager
def atomic_folder(target: Path | str, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder whose content becomes ``target`` when the block succeeds
    (see :func:`attribution.models.io.folders.atomic_folder`)."""
    with folders.atomic_folder(target, force=force, kinds=folders.RESULTS_KINDS) as tmp:
        yield tmp
