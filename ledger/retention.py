"""Retention: purge the personal data of households housed or lapsed long ago.

A demand is purged when its last trace is older than the cut-off (today − N years): it was
housed (a lease) before the cut-off, or it was last seen in a round's demand file before
the cut-off and has no event since. Its row in ``demands``, its events and its proposals
are deleted; rounds, units, batches and the audit trail (counts only) are kept. Bilans of
the purged years can no longer be recomputed: write them before purging.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from . import schema
from .store import Ledger, LedgerError


def cutoff_date(years: int, today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def purge(ledger: Ledger, older_than_years: int, *, today: dt.date | None = None,
          dry_run: bool = False) -> dict[str, int]:
    """Delete the demands whose last trace is older than ``older_than_years`` years.

    Returns the counts deleted (or that would be, with ``dry_run``).
    """
    if older_than_years < 1:
        from attribution.models.i18n import _
        raise LedgerError(_("--older-than must be at least 1 year."))
    cut = cutoff_date(older_than_years, today)
    d, e, p = schema.demands, schema.events, schema.proposals
    with ledger.writing() as conn:
        last_event = (sa.select(e.c.demand_id, sa.func.max(e.c.event_date).label("last"))
                      .group_by(e.c.demand_id).subquery())
        q = (sa.select(d.c.demand_id)
             .select_from(d.outerjoin(last_event, last_event.c.demand_id == d.c.demand_id))
             .where(d.c.last_seen < cut,
                    sa.or_(last_event.c.last.is_(None), last_event.c.last < cut)))
        ids = [x for (x,) in conn.execute(q)]
        counts = {"demands": len(ids), "events": 0, "proposals": 0, "cutoff": cut.isoformat()}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            counts["events"] += conn.execute(sa.select(sa.func.count()).select_from(e).where(
                e.c.demand_id.in_(chunk))).scalar()
            counts["proposals"] += conn.execute(sa.select(sa.func.count()).select_from(p)
                                                .where(p.c.demand_id.in_(chunk))).scalar()
            if not dry_run:
                conn.execute(e.delete().where(e.c.demand_id.in_(chunk)))
                conn.execute(p.delete().where(p.c.demand_id.in_(chunk)))
                conn.execute(d.delete().where(d.c.demand_id.in_(chunk)))
        if not dry_run:
            ledger.audit(conn, "purge", {**counts, "older_than_years": older_than_years})
    return counts
