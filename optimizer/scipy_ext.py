"""SciPy's compiled modules without the package ``__init__`` files around them.

``import scipy.sparse.csgraph`` runs its package ``__init__``, which imports
``scipy.sparse.linalg`` and through it ``scipy.linalg`` (about 0.3 s of every ``solve``
command's start-up, measured with ``python -X importtime``) for routines the optimizer
never calls; ``import scipy.optimize`` costs 0.2–0.8 s the same way. The routines we call
live in compiled modules (``csgraph/_matching``, ``optimize/_highspy/_core``) that import
only what they need: :func:`extension` loads one from its file and registers it under its
own name, so a later ordinary import reuses it. Any surprise falls back to the ordinary
import.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType


def extension(name: str, required: tuple[str, ...] = ()) -> ModuleType:
    """The compiled module ``name`` (``scipy.x.y._z``), loaded from its file without the
    ``__init__`` of its packages when that works and it has every ``required`` attribute;
    else by the ordinary import."""
    if name in sys.modules:
        return sys.modules[name]
    try:  # pragma: no cover - depends on the environment
        import scipy

        *packages, leaf = name.split(".")[1:]
        folder = os.path.join(os.path.dirname(scipy.__file__), *packages)
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, leaf + suffix)
            if not os.path.exists(path):
                continue
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            if all(hasattr(module, a) for a in required):
                return module
            del sys.modules[name]
    except Exception:  # noqa: BLE001 - any layout surprise: the ordinary import
        pass
    return importlib.import_module(name)


import scipy.sparse  # noqa: E402,F401 - the matching extension's own dependency, first

_m = extension("scipy.sparse.csgraph._matching",
               ("min_weight_full_bipartite_matching", "maximum_bipartite_matching"))
min_weight_full_bipartite_matching = _m.min_weight_full_bipartite_matching
maximum_bipartite_matching = _m.maximum_bipartite_matching
