"""Events whose shape changed, each with its version and the upcaster that reads older streams.

An event that changes shape is declared here as a class with `class_version` and an
`upcast_v<n>_v<n+1>` static method, and given to `@event(...)` in the aggregate, which makes it
`Application.<Name>` (the stored topic stays the aggregate's).
"""
from __future__ import annotations

import datetime as dt

from eventsourcing.domain import Aggregate


class ObjectionRaised(Aggregate.Event):
    """Version 2 records who objected as a role (债权人, a creditor) and a name; version 1 had one
    `objector` text, "债权人 青岛某供应商", which the upcaster splits at the first space."""

    class_version = 2
    step: str
    objector_role: str
    objector: str
    reason: str
    at: dt.datetime

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        role, _, name = state["objector"].partition(" ")
        state["objector_role"], state["objector"] = (role, name) if name else ("", state["objector"])


def objection_text(role: str, objector: str, reason: str) -> str:
    return f"objection by {role + ' ' if role else ''}{objector}: {reason}"
