"""The chair's results of a cycle whose scoring has closed, computed once
and kept while nothing they are computed from has changed.

Ranking a 2,000-nomination cycle by the four methods, with the declared
method's bootstrap, takes a good part of a second; once scoring has closed
the inputs rarely change, so each worker keeps the last few results in
memory. What decides whether a kept result is still right is read from the
database on every request, never told by the services that change things:
so a change made through any worker, any app server or the CLI is seen at
once, and no service has to remember to invalidate.

The key holds the inputs themselves where they are small (the round, the
criteria, the method and settings with the panel's latest tie vote, the
nominations the chair may see, the confirmed conflicts) and, for the sheets,
a fingerprint read in one aggregate statement: their count, the sum of their
versions and the highest id. A sheet's version grows on every change of the
row (it is its version counter: submitting, reopening, a change of round), a
new sheet raises the highest id, a deleted one lowers the count. Scores are
written only on an open sheet (services.scoring checks it under the sheet's
lock), so a submitted sheet's scores change only after a reopening and a new
submission, which move its version twice: the 50,000 scores of a large cycle
need not be read to know they did not change. (A score rewritten in the
database behind the services' back, its sheet untouched, is not seen here;
it is what the audit trail's replay exists to find.)
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import String, func, select, true

from awards_app.extensions import db
from awards_app.models import Assignment, ConflictOfInterest, Nomination

SIZE = 16  # 8 cycles' results and their rows' HTML per worker (4 MB each at 2,000 nominations)

_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()


def fingerprint(cycle_id: int) -> tuple:
    """One statement: what the cycle's sheets and confirmed conflicts look
    like now (see the module docstring)."""
    of_cycle = select(Nomination.id).where(Nomination.cycle_id == cycle_id).scalar_subquery()
    sheets = (select(func.count(Assignment.id).label("n"), func.coalesce(func.sum(Assignment.version), 0).label("v"),
                     func.max(Assignment.id).label("last"))
              .where(Assignment.nomination_id.in_(of_cycle)).subquery())
    # Few rows, so listed exactly: each drops a judge's sheet from the results.
    confirmed = (select(func.aggregate_strings(ConflictOfInterest.id.cast(String), ",").label("ids"))
                 .where(ConflictOfInterest.nomination_id.in_(of_cycle), ConflictOfInterest.status == "confirmed")
                 .subquery())
    *sheets_now, ids = db.session.execute(select(sheets, confirmed).select_from(sheets.join(confirmed, true()))).one()
    return (*sheets_now, tuple(sorted(int(i) for i in ids.split(","))) if ids else ())


def kept(key: Hashable, compute: Callable[[], dict]) -> dict:
    """The value kept under ``key``, else ``compute()``, kept. The lock
    guards the dictionary only (threaded workers): two requests may both
    compute a missing value, never corrupt the order."""
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    value = compute()
    with _lock:
        _kept[key] = value
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept result (tests compare with a computation from scratch)."""
    with _lock:
        _kept.clear()
