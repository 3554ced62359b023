"""What crosses between the coordinator and the outside world, and the interfaces it owns for it:
a Dispatch goes out to a department through the CommandBus, a StepAnswer comes back; register
lookups complete the form."""
from __future__ import annotations

import abc
import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from typing import Mapping



@dataclass(frozen=True)
class Dispatch:
    """A command the saga has decided to send: what a department must do for this application."""

    application_id: uuid.UUID
    bundle: str
    step: str
    command_id: str
    department: str
    action: str
    inputs: dict[str, str]
    issued_at: dt.datetime
    due_at: dt.datetime
    review: str = ""  # OFFICER: an officer of the department decides (saga/domain/approval.py)
    review_reasons: tuple[str, ...] = ()


class Outcome(enum.Enum):
    """What a department's answer says it did; UNSPECIFIED is an answer that says nothing (malformed)."""

    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    UNSPECIFIED = "UNSPECIFIED"
    WITH_OFFICER = "WITH_OFFICER"  # not an answer yet: progress, the case is in the department's worklist
    RETURNED = "RETURNED"  # an officer returned the case for correction


@dataclass(frozen=True)
class StepAnswer:
    """A department's answer to one step command, as the coordinator applies it. `department` and
    `outcome` are what the answer itself says (from a StepResult), checked against the catalogue."""

    application_id: str
    step: str
    command_id: str
    completed: bool
    outputs: Mapping[str, str]
    reason: str = ""
    delivery: int = 1
    decided_at: dt.datetime | None = None
    department: str = ""
    outcome: Outcome | None = None
    # Back-office review (saga/domain/review.py): the officer who decided; for progress, since when the
    # case is open, who claimed it and why an officer decides; for a return, what to correct.
    decided_by: str = ""
    since: dt.datetime | None = None
    officer: str = ""
    reasons: tuple[str, ...] = ()
    returned: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DepartmentEvent:
    """What a department published about its register (a DepartmentEvent off the events exchange):
    its payload's fields as text, as the catalogue declares them (proactive service)."""

    event_id: str
    department: str
    type: str
    occurred_at: dt.datetime
    payload: Mapping[str, str]

    @property
    def key(self) -> str:
        return f"{self.department}.{self.type}"


class CommandBus(abc.ABC):
    """Delivers step commands to departments."""

    @abc.abstractmethod
    def send(self, dispatches: list[Dispatch]) -> None:
        """Deliver every command durably, or raise."""


class RegisterLookups(abc.ABC):
    """Asks departments what their registers already hold (materials reuse)."""

    @abc.abstractmethod
    def find(self, department: str, query: str, key: str) -> Mapping[str, str] | None:
        """The values held for `key`, None when nothing is held; LookupUnavailable when it cannot ask."""

    def __call__(self, department: str, query: str, key: str) -> Mapping[str, str] | None:
        return self.find(department, query, key)

    def close(self) -> None:
        """Let go of connections, if any."""


class NoRegisters(RegisterLookups):
    """For a coordinator wired without department registers (unit tests): no register holds anything,
    so a left-out item is asked for and an entered one is kept."""

    def find(self, department, query, key):
        return None


class RecordedLookups:
    """The lookups of one Submit: each asked once, and each remembered with what it found (department,
    query, key -> record or None), for the data-access log."""

    def __init__(self, lookups: RegisterLookups):
        self.lookups = lookups
        self.made: dict[tuple[str, str, str], Mapping[str, str] | None] = {}

    def __call__(self, department: str, query: str, key: str) -> Mapping[str, str] | None:
        asked = (department, query, key)
        if asked not in self.made:
            self.made[asked] = self.lookups.find(department, query, key)
        return self.made[asked]
