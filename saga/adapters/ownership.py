"""What this coordinator instance does of the work that must be done by one at a time, decided with
leases (saga/adapters/leases.py) every second:

- the relay: one instance publishes the command events;
- the projections: one instance follows the log into the timer index and the read models;
- the partitions: each instance owns a fair share (the partitions divided by the live instances,
  rounded up) and consumes their results queues and fires their timers, so one instance writes to
  an application at a time. A new instance takes partitions the others give up (each gives up what
  it holds beyond its share); a dead instance's leases are free at once, and the others take them
  on their next round.

Every change is handed to `apply(Roles)` before a lease is given up (the work stops first) and after
one is taken. If the leases' session is lost, everything stops until it is back.
"""
from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Callable

from saga.adapters.leases import MEMBER_SLOTS, Leases

log = logging.getLogger(__name__)
RELAY, PROJECTIONS = "relay", "projections"


@dataclass(frozen=True)
class Roles:
    relay: bool = False
    projections: bool = False
    partitions: frozenset[int] = field(default_factory=frozenset)

    def without(self, partitions) -> "Roles":
        return Roles(self.relay, self.projections, self.partitions - frozenset(partitions))


def everything(partitions: int) -> Roles:
    """What a lone instance does: all of it (unit tests, a coordinator without leases)."""
    return Roles(True, True, frozenset(range(partitions)))


class Ownership(threading.Thread):
    def __init__(self, leases: Leases, partitions: int, apply: Callable[[Roles], None], tick_s: float = 1.0):
        super().__init__(name="ownership", daemon=True)
        self.leases, self.partitions, self.apply, self.tick_s = leases, partitions, apply, tick_s
        self.roles = Roles()
        self.member: int | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def _set(self, roles: Roles) -> None:
        if roles != self.roles:
            self.apply(roles)
            self.roles = roles

    def tick(self) -> Roles:
        """One round: keep what is held, take what is free up to a fair share, give up the rest."""
        with self._lock:
            if not self.leases.alive():
                self.member = None
                self._set(Roles())
                return self.roles
            if self.member is None:
                self.member = next((slot for slot in range(MEMBER_SLOTS) if self.leases.acquire(f"member:{slot}")),
                                   None)
                if self.member is None:
                    log.error("no member slot is free; this instance waits")
                    return self.roles
            relay = self.roles.relay or self.leases.acquire(RELAY)
            projections = self.roles.projections or self.leases.acquire(PROJECTIONS)
            share = math.ceil(self.partitions / max(1, self.leases.members()))
            owned = set(self.roles.partitions)
            if len(owned) > share:
                extra = sorted(owned)[share:]
                self._set(Roles(relay, projections, frozenset(owned - set(extra))))  # stop first
                for partition in extra:
                    self.leases.release(f"partition:{partition}")
                log.info("gave up partitions %s (a share is %d now)", extra, share)
            else:
                start = self.member * self.partitions // max(1, self.leases.members())
                for offset in range(self.partitions):
                    if len(owned) >= share:
                        break
                    partition = (start + offset) % self.partitions
                    if partition not in owned and self.leases.acquire(f"partition:{partition}"):
                        owned.add(partition)
                self._set(Roles(relay, projections, frozenset(owned)))
            return self.roles

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("ownership round failed; retrying")
                self.leases.alive()
            self._stopping.wait(self.tick_s)

    def stop(self) -> None:
        """Stop the work first, then give every lease up (graceful stop: another instance takes over
        at once, not after a timeout)."""
        self._stopping.set()
        with self._lock:
            self._set(Roles())
            self.leases.close()
            self.member = None
