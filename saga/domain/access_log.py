"""The data-access log (beyond Estonia's Data Tracker): for each person, every read of their data by
someone else — a department asked at Submit for materials reuse, an officer opening a case, an agent
following an application, an operator's history or replay — and every refused attempt: who (subject
and role), when, which items, for which application, and why.

One aggregate per person (its id derived from the resident ID), append-only: an entry is an event.
Each entry carries the hash of the entry before it and its own hash over its fields, its position
and the person's ID, so that changing, removing or moving a stored entry breaks the chain where it
happened (`broken_link` finds the first such place; cutting entries off the end is not detectable
this way, only by an anchor kept elsewhere)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from eventsourcing.domain import Aggregate, event

from saga.domain.reads import Read

_NAMESPACE = uuid.UUID("5b0f6a0e-9d7c-4d55-8a7f-1c3e2b4d6a17")
GENESIS = "0" * 64
ENTRY_FIELDS = ("accessor", "accessor_role", "department", "items", "application_id", "purpose", "allowed",
                "on_behalf_of", "at")


def entry_hash(subject: str, position: int, previous: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps({"subject": subject, "position": position, "previous": previous, **fields},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AccessLog(Aggregate):
    @staticmethod
    def id_for(subject: str) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"access-log/{subject}")

    @classmethod
    def open(cls, subject: str) -> AccessLog:
        return cls(id=cls.id_for(subject), subject=subject)

    def record(self, read: Read, at: dt.datetime) -> None:
        """Append one entry, chained to the last."""
        fields = dict(zip(ENTRY_FIELDS, (read.accessor, read.accessor_role, read.department, list(read.items),
                                         read.application_id, read.purpose, read.allowed, read.on_behalf_of, at)))
        digest = entry_hash(self.subject, self.version + 1, self.last_hash, fields)
        self._record(**fields, previous_hash=self.last_hash, entry_hash=digest)

    @event("Opened")
    def __init__(self, id: uuid.UUID, subject: str):  # noqa: A002
        self.subject, self.last_hash, self.entries = subject, GENESIS, 0

    @event("AccessRecorded")
    def _record(self, accessor: str, accessor_role: str, department: str, items: list[str], application_id: str,
                purpose: str, allowed: bool, on_behalf_of: str, at: dt.datetime, previous_hash: str,
                entry_hash: str) -> None:
        self.last_hash, self.entries = entry_hash, self.entries + 1


@dataclass(frozen=True)
class BrokenLink:
    subject: str
    position: int
    problem: str


class Chain:
    """Follows one person's log entry by entry, as stored, checking each link."""

    def __init__(self) -> None:
        self.subject, self.previous, self.position = "", None, 0

    def check(self, stored: Any) -> BrokenLink | None:
        """The problem with this next stored event of the log, or None."""
        self.position += 1
        if stored.originator_version != self.position:
            return BrokenLink(self.subject, self.position, f"entry {self.position} is missing")
        if self.position == 1:
            if not isinstance(stored, AccessLog.Opened) or AccessLog.id_for(stored.subject) != stored.originator_id:
                return BrokenLink(getattr(stored, "subject", ""), 1, "the log does not open with its person")
            self.subject, self.previous = stored.subject, GENESIS
            return None
        if not isinstance(stored, AccessLog.AccessRecorded):
            return BrokenLink(self.subject, self.position, "not an entry")
        if stored.previous_hash != self.previous:
            return BrokenLink(self.subject, self.position, "it does not follow the entry before it")
        fields = {name: getattr(stored, name) for name in ENTRY_FIELDS}
        if entry_hash(self.subject, self.position, self.previous, fields) != stored.entry_hash:
            return BrokenLink(self.subject, self.position, "its content does not match its hash")
        self.previous = stored.entry_hash
        return None


def broken_link(events: Iterable[Any]) -> BrokenLink | None:
    """The first place the chain of one person's log (its events, in order) does not hold, or None."""
    chain = Chain()
    for stored in events:
        if (broken := chain.check(stored)) is not None:
            return broken
    return None
