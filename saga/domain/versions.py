"""Events whose shape changed, each with its version and the upcaster that reads older streams.

An event that changes shape is declared here as a class with `class_version` and an
`upcast_v<n>_v<n+1>` static method, and given to `@event(...)` in the aggregate, which makes it
`Application.<Name>` (the stored topic stays the aggregate's).
"""
from __future__ import annotations

import datetime as dt

from eventsourcing.domain import Aggregate


class Submitted(Aggregate.Created):
    """Version 2 records who the application is for (`principals`: resident IDs, as the bundle's
    principal fields named them at the door) and the agent who submitted it for them ("" when a
    principal did). Version 1 recorded neither: the upcaster leaves both empty, and readers fall back
    on the principal fields of the form (saga/coordinator.py)."""

    class_version = 2
    bundle: str
    bundle_version: str
    form: dict
    plan: list
    time_limit_s: float
    submitted_at: dt.datetime
    idempotency_key: str
    looked_up: list
    principals: list
    agent: str

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state.setdefault("principals", [])
        state.setdefault("agent", "")


class ObjectionRaised(Aggregate.Event):
    """Version 3 records who objected by their identity (`objector_subject`, from their token) beside
    the role they state (债权人, a creditor) and the name they sign with; version 2 had no subject
    (objections were anonymous). Version 1 had one `objector` text, "债权人 青岛某供应商", which the
    upcaster to version 2 splits at the first space."""

    class_version = 3
    step: str
    objector_subject: str
    objector_role: str
    objector: str
    reason: str
    at: dt.datetime

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        role, _, name = state["objector"].partition(" ")
        state["objector_role"], state["objector"] = (role, name) if name else ("", state["objector"])

    @staticmethod
    def upcast_v2_v3(state: dict) -> None:
        state["objector_subject"] = ""


def objection_text(role: str, objector: str, reason: str) -> str:
    return f"objection by {role + ' ' if role else ''}{objector}: {reason}"


# -- commands that say who decides them (back-office review, issue 13) ----------------------------------
class _ReviewedCommand(Aggregate.Event):
    """Version 2 of an event that is a command: it says who decides it (`review`: "OFFICER" when an
    officer of the department does, "" when its rules do) and why (`review_reasons`). Version 1 had
    neither: every command was decided by the department's rules, as the upcaster says."""

    class_version = 2
    step: str
    command_id: str
    inputs: dict
    at: dt.datetime
    due_at: dt.datetime
    bundle: str
    department: str
    action: str
    check_at: dt.datetime | None
    review: str
    review_reasons: list

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state.setdefault("review", "")
        state.setdefault("review_reasons", [])


class StepDispatched(_ReviewedCommand):
    pass


class CommandResent(_ReviewedCommand):
    next_resend_at: dt.datetime


class StepRetried(_ReviewedCommand):
    operator: str
    reason: str
