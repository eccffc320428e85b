"""Common random numbers: uniform draws keyed by *what* they decide, not by draw order.

Two scenarios run with the same seed should face the same chance events wherever the
policy does not change them, so that their difference measures the policy and not the
noise (common random numbers). Streams per purpose (supply, arrivals, refusal ages) keep
draws that do not depend on the policy in step. Two draws do depend on the state the policy
leaves behind — which demands are pending, which offers are made — and a sequential
stream would shift as soon as one offer differs: every later offer would get another
draw. Those two are keyed instead:

- a **refusal**: ``U(seed, "refusal", demand id, unit id, round)`` — the same household
  offered the same unit in the same round answers the same in every scenario;
- a **lapse**: ``U(seed, "lapse", demand id, anniversary)`` — a demand still pending at
  its anniversary is renewed or not alike in every scenario.

``U`` is the first 8 bytes of a BLAKE2b digest of the key, as a float in [0, 1): uniform,
independent across keys for practical purposes, and stable across machines and Python
versions (no ``hash()`` randomisation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

_SCALE = float(2 ** 64)


def keyed_uniform(seed: int, purpose: str, *keys: Sequence) -> np.ndarray:
    """One uniform in [0, 1) per element of the ``keys`` columns (all the same length).

    Parameters
    ----------
    seed
        Monte-Carlo seed.
    purpose
        Name of the decision ("refusal", "lapse"): separates the streams.
    keys
        Columns (ids, round numbers...) whose elements, together, name each draw.
    """
    columns = [np.asarray(k, dtype=object) for k in keys]
    n = len(columns[0]) if columns else 0
    out = np.empty(n, dtype=np.float64)
    prefix = f"{int(seed)}\x1f{purpose}".encode()
    for i in range(n):
        key = b"\x1f".join([prefix] + [str(c[i]).encode() for c in columns])
        digest = hashlib.blake2b(key, digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little") / _SCALE
    return out
