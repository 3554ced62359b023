"""Follows the notification log for Watch: one follower per process tails the log and says which
applications have new events, so their watchers read what is new from the store. Woken at once by
this process's saves, it polls otherwise (every 100 ms), so it also sees what another coordinator
process stores in the same log."""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Callable, Iterable

from eventsourcing.persistence import ApplicationRecorder

log = logging.getLogger(__name__)


class LogFollower(threading.Thread):
    def __init__(self, recorder: ApplicationRecorder, changed: Callable[[Iterable[uuid.UUID]], None],
                 poll_s: float = 0.1, batch: int = 500):
        super().__init__(name="log-follower", daemon=True)
        self._recorder, self._changed = recorder, changed
        self.poll_s, self.batch = poll_s, batch
        self._woken, self._stopping = threading.Event(), threading.Event()
        self.position = recorder.max_notification_id() or 0  # what is stored before the start is read by Watch itself

    def notify(self) -> None:
        """This process stored events: look now."""
        self._woken.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._woken.wait(self.poll_s)
            self._woken.clear()
            try:
                self.follow()
            except Exception:  # noqa: BLE001 - the store is away for a moment: watchers poll meanwhile
                log.warning("following the notification log failed; trying again", exc_info=True)
                self._stopping.wait(1)

    def follow(self) -> None:
        """Tell `changed` about every application with events after the position; move it on."""
        while True:
            notifications = self._recorder.select_notifications(start=self.position + 1, limit=self.batch)
            if not notifications:
                return
            self.position = notifications[-1].id
            self._changed({n.originator_id for n in notifications})
            if len(notifications) < self.batch:
                return

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()
