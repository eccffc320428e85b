"""The CIL's ledger: rounds, proposals, commission decisions and the year's accounts.

A layer above :mod:`attribution.scenarios` (it reuses the annual accounts and their
carry-over) and below the command line. Public API (``docs/ledger.md``):

- :func:`open_ledger` → :class:`Ledger` (SQLite path or ``postgresql://`` URL; migrates
  on open), :class:`LedgerError`;
- :func:`solve_with_ledger` (``attribution solve --ledger``), :func:`round_table`,
  :func:`close_round`, :func:`manifest_of`;
- :func:`record` (``attribution record``) → :class:`RecordSummary`; :data:`EVENTS`;
- :func:`compute_bilan` / :func:`write_bilan` (``attribution bilan``);
- :func:`observed_waits` (observed waiting time by segment), :func:`state_at`,
  :func:`attributions` (the year's attributions with their snapshots);
- :func:`purge` (retention);
- :func:`calibrate` (``attribution calibrate``: scenario parameters from a recorded year).
"""

from .store import Ledger, LedgerError, open_ledger

__all__ = ["Ledger", "LedgerError", "open_ledger", "solve_with_ledger", "round_table",
           "close_round", "manifest_of", "record", "RecordSummary", "EVENTS",
           "compute_bilan", "write_bilan", "observed_waits", "state_at", "attributions",
           "purge", "calibrate"]

_LAZY = {"solve_with_ledger": "solve", "round_table": "solve", "close_round": "solve",
         "manifest_of": "solve", "record": "events", "RecordSummary": "events",
         "EVENTS": "events", "compute_bilan": "bilan", "write_bilan": "bilan",
         "observed_waits": "waits", "state_at": "rounds", "attributions": "rounds",
         "purge": "retention", "calibrate": "calibrate"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)
