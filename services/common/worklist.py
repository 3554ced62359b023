"""A department's worklist (后台审批): the cases of step commands an officer decides instead of the
department's rules at once (秒批). Domain code over the department's register (records of kind
"case", keyed by the command id); no nameko, no broker.

A command opens a case when it asks for an officer (the bundle's rule, StepCommand.review) or the
department's own rules escalate it (Department.escalations: what only its register shows). A case is
OPEN, then CLAIMED by one officer, then DECIDED (approved: the rules decide as they would, with the
officer recorded; or rejected with the officer's reason) or RETURNED for correction with a reason per
input. The decision is recorded as the command's decision, so a repeated command (a chase) gets it
back, as for any command; a repeated command for an open case gets the case again (one case per
command id).
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping

from services.common.domain import Decision, Department, DuplicateRecord, UnknownAction

CASE = "case"
OFFICER_DECIDES = "the command asks for an officer's decision"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class CaseState(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"
    RETURNED = "returned"

    @property
    def is_open(self) -> bool:
        return self in (CaseState.OPEN, CaseState.CLAIMED)


class CaseNotFound(LookupError):
    """No case of that id in this department."""


class CaseRefused(Exception):
    """The case is not the officer's to act on now: claimed by another officer, or already decided."""


class BadCaseRequest(ValueError):
    """What an officer asked does not fit the case (an input it does not have); names the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Command:
    """A step command as the worklist keeps it: what the case is about, and where to answer."""

    command_id: str
    application_id: str
    bundle: str
    step: str
    action: str
    inputs: dict[str, str]
    due_at: dt.datetime | None = None
    reply_to: str = ""


@dataclass
class Case:
    command: Command
    reasons: list[str]
    opened_at: dt.datetime
    state: CaseState = CaseState.OPEN
    claimed_by: str = ""
    claimed_at: dt.datetime | None = None
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    decision: Decision | None = None

    @property
    def case_id(self) -> str:
        return self.command.command_id

    def overdue(self, now: dt.datetime) -> bool:
        return self.state.is_open and self.command.due_at is not None and self.command.due_at <= now

    # -- as the register keeps it ----------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        command = {**asdict(self.command), "due_at": _iso(self.command.due_at)}
        return {"command": command, "reasons": self.reasons, "opened_at": _iso(self.opened_at),
                "state": self.state.value, "claimed_by": self.claimed_by, "claimed_at": _iso(self.claimed_at), "decided_by": self.decided_by,
                "decided_at": _iso(self.decided_at), "decision": asdict(self.decision) if self.decision else None}

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> Case:
        command = dict(record["command"])
        return cls(Command(**{**command, "due_at": _moment(command.get("due_at"))}), list(record["reasons"]),
                   _moment(record["opened_at"]), CaseState(record["state"]), record["claimed_by"],
                   _moment(record["claimed_at"]), record["decided_by"], _moment(record["decided_at"]),
                   Decision.of_record(record["decision"]) if record.get("decision") else None)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone.utc).isoformat() if moment else None


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass
class Worklist:
    """The department's cases, over its register."""

    department: Department
    now: Callable[[], dt.datetime] = field(default=utcnow)

    @property
    def register(self):
        return self.department.register

    def take(self, command: Command, by_officer: bool, reasons: list[str] | tuple[str, ...] = ()) -> Decision | Case:
        """A command as the worklist sees it: its recorded decision if it has one; its case if one is open
        (a repeated command); a new case if an officer decides it (the command asks for one, or the
        department's rules escalate it); else the department's rules decide it now."""
        if command.action not in self.department.actions:
            raise UnknownAction(f"{self.department.name} does not perform {command.action!r}")
        with self.register.transaction():
            if (decision := self.department.decided(command.command_id)) is not None:
                return decision
            if (case := self._case(command.command_id)) is not None:
                return case
            escalated = self.department.escalation(command.action, command.inputs)
            if not (by_officer or escalated):
                return self.department.handle(command.command_id, command.action, command.inputs)
            case = Case(command, list(dict.fromkeys([*reasons, *escalated])) or [OFFICER_DECIDES], self.now())
            try:
                self.register.insert(CASE, case.case_id, case.record())
            except DuplicateRecord:  # another instance opened it at the same moment
                return self._case(command.command_id)
            return case

    def open_cases(self, limit: int = 50, offset: int = 0) -> tuple[list[Case], int]:
        """Waiting and claimed cases, overdue first, then oldest first; and how many there are."""
        now = self.now()
        cases = [Case.of_record(r) for state in (CaseState.OPEN, CaseState.CLAIMED)
                 for r in self.register.find(CASE, state=state.value)]
        cases.sort(key=lambda c: (not c.overdue(now), c.opened_at, c.case_id))
        return cases[offset:offset + limit], len(cases)

    def get(self, case_id: str) -> Case:
        if (case := self._case(case_id)) is None:
            raise CaseNotFound(f"no case {case_id!r} in {self.department.name}")
        return case

    def claim(self, case_id: str, officer: str) -> tuple[Case, bool]:
        """The case, claimed by the officer; whether this claimed it (False: it was theirs already)."""
        with self.register.transaction():
            case = self.get(case_id)
            newly = self._check_may_act(case, officer)
            if newly:
                case.state, case.claimed_by, case.claimed_at = CaseState.CLAIMED, officer, self.now()
                self.register.put(CASE, case_id, case.record())
            return case, newly

    def approve(self, case_id: str, officer: str) -> Case:
        """The department's rules decide the case, recorded as the officer's decision."""
        with self.register.transaction():
            case = self._claimed(case_id, officer)
            command = case.command
            decision = self.department.handle(command.command_id, command.action, command.inputs, decided_by=officer)
            return self._decided(case, officer, decision, CaseState.DECIDED)

    def reject(self, case_id: str, officer: str, reason: str) -> Case:
        with self.register.transaction():
            case = self._claimed(case_id, officer)
            decision = Decision(False, {}, reason, decided_by=officer)
            self.department.record(case.case_id, case.command.action, decision)
            return self._decided(case, officer, decision, CaseState.DECIDED)

    def return_for_correction(self, case_id: str, officer: str, reasons: Mapping[str, str]) -> Case:
        """Back to the applicant: each named input (one the command has) with what to correct."""
        with self.register.transaction():
            case = self._claimed(case_id, officer)
            for name in reasons:
                if name not in case.command.inputs:
                    raise BadCaseRequest(f"reasons.{name}", f"the case has no input {name!r} (it has: "
                                         f"{', '.join(sorted(case.command.inputs))})")
            what = "; ".join(f"{name}: {why}" for name, why in sorted(reasons.items()))
            decision = Decision(False, {}, f"returned for correction: {what}", decided_by=officer,
                                returned=dict(reasons))
            self.department.record(case.case_id, case.command.action, decision)
            return self._decided(case, officer, decision, CaseState.RETURNED)

    # -- within a transaction ------------------------------------------------------------------------
    def _case(self, case_id: str) -> Case | None:
        record = self.register.get(CASE, case_id)
        return Case.of_record(record) if record is not None else None

    def _check_may_act(self, case: Case, officer: str) -> bool:
        """Whether the officer may act on the case; True if it is not yet claimed (they claim it)."""
        if not case.state.is_open:
            raise CaseRefused(f"case {case.case_id} is already {case.state.value} (by {case.decided_by})")
        if case.state == CaseState.CLAIMED and case.claimed_by != officer:
            raise CaseRefused(f"case {case.case_id} is claimed by another officer ({case.claimed_by})")
        return case.state == CaseState.OPEN

    def _claimed(self, case_id: str, officer: str) -> Case:
        case = self.get(case_id)
        newly = self._check_may_act(case, officer)
        if self.department.decided(case_id) is not None:  # by another instance, a moment ago
            raise CaseRefused(f"case {case_id} was decided meanwhile")
        if newly:
            case.state, case.claimed_by, case.claimed_at = CaseState.CLAIMED, officer, self.now()
        return case

    def _decided(self, case: Case, officer: str, decision: Decision, state: CaseState) -> Case:
        case.state, case.decided_by, case.decided_at, case.decision = state, officer, self.now(), decision
        self.register.put(CASE, case.case_id, case.record())
        return case
