"""Reading the notification log in order, for everything that follows it (the relay, the timer index,
the read models).

On SQLite, and on PostgreSQL with the library's default insert path (an EXCLUSIVE lock on the events
table for every transaction), notification ids become visible in the order they are issued, so a
follower reads whatever comes after its position (`OrderedLog`).

The coordinators insert through the library's database function instead (POSTGRES_ENABLE_DB_FUNCTIONS,
saga/adapters/event_store.py): no table lock, so writers commit in parallel, and id 7 may be visible
while id 6 is still being committed. A follower that moved past 6 would never see it. `GapAwareLog`
stops at such a gap until it is sure: the insert function takes its transaction id before its
notification ids, so the writer that holds a missing id was in progress at the read (it took the id
before the higher one, which was committed before the read). The reader notes the transactions in
progress after reading; once none of them is still running, a gap still there on a later read is
permanent (an insert that failed, a unique-key conflict, leaves one) and the follower goes on past it.
Gaps are kept by no one: nothing waits on a timeout, and no transaction is missed.
"""
from __future__ import annotations

import logging
from typing import Sequence

from eventsourcing.persistence import Notification

log = logging.getLogger(__name__)


class OrderedLog:
    """The log of a store whose ids become visible in order."""

    def __init__(self, recorder):
        self.recorder = recorder

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        return self.recorder.select_notifications(start=after + 1, limit=limit)

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0


class GapAwareLog(OrderedLog):
    """The log of a PostgreSQL store written without a table lock: read up to the first gap that may
    still be filled. One instance per follower (it remembers the gap it waits on)."""

    def __init__(self, recorder):
        super().__init__(recorder)
        self._gap: int | None = None  # the first missing id, as last seen
        self._writers: list[int] | None = None  # transactions in progress just after that read

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        settled = self._gap is not None and self._writers is not None and not self._running(self._writers)
        notifications = list(self.recorder.select_notifications(start=after + 1, limit=limit))
        expected, kept = after + 1, []
        for notification in notifications:
            if notification.id != expected:
                if settled and self._gap == expected:
                    log.debug("ids %d-%d are a permanent gap; going on", expected, notification.id - 1)
                    settled = False  # only the gap that was checked
                else:
                    self._gap, self._writers = expected, self._in_progress()
                    return kept
            kept.append(notification)
            expected = notification.id + 1
        self._gap = self._writers = None
        return kept

    def _in_progress(self) -> list[int]:
        with self.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT array_agg(x::text) AS xids FROM pg_snapshot_xip(pg_current_snapshot()) x")
            row = cursor.fetchone()
        return [int(x) for x in (row["xids"] or [])]

    def _running(self, xids: list[int]) -> bool:
        if not xids:
            return False
        with self.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT bool_or(pg_xact_status(x::text::xid8) = 'in progress') AS running "
                           "FROM unnest(%s::bigint[]) x", ([*xids],))
            row = cursor.fetchone()
        return bool(row["running"])


def log_of(recorder) -> OrderedLog:
    """The reader a follower needs for this recorder."""
    datastore = getattr(recorder, "datastore", None)
    if getattr(datastore, "enable_db_functions", False):
        return GapAwareLog(recorder)
    return OrderedLog(recorder)
