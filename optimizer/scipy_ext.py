"""SciPy's bipartite matching routines without ``scipy.sparse.csgraph``'s ``__init__``.

``import scipy.sparse.csgraph`` runs its package ``__init__``, which imports
``scipy.sparse.linalg`` and through it ``scipy.linalg`` (about 0.3 s of every ``solve``
command's start-up, measured with ``python -X importtime``) for routines the optimizer
never calls. The two it calls live in the compiled module ``csgraph/_matching``, which
imports only ``scipy.sparse``: it is loaded from its file and registered under its own
name, so a later ``import scipy.sparse.csgraph`` reuses it (the same device as
``lp._scipy_highs``). Any surprise falls back to the ordinary import.
"""

from __future__ import annotations


def _matching():  # pragma: no cover - depends on the environment
    import importlib.machinery
    import importlib.util
    import os
    import sys

    import scipy
    import scipy.sparse  # noqa: F401 - the extension's own dependency, loaded first
    name = "scipy.sparse.csgraph._matching"
    if name in sys.modules:
        return sys.modules[name]
    try:
        folder = os.path.join(os.path.dirname(scipy.__file__), "sparse", "csgraph")
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_matching" + suffix)
            if os.path.exists(path):
                spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    del sys.modules[name]
                    raise
                if hasattr(module, "min_weight_full_bipartite_matching") and \
                        hasattr(module, "maximum_bipartite_matching"):
                    return module
                del sys.modules[name]
    except Exception:  # noqa: BLE001 - any layout surprise: the ordinary import
        pass
    from scipy.sparse.csgraph import _matching
    return _matching


_m = _matching()
min_weight_full_bipartite_matching = _m.min_weight_full_bipartite_matching
maximum_bipartite_matching = _m.maximum_bipartite_matching
