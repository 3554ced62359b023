"""Fault injection for a department process: make chosen commands fail like a real fault would.

Off unless the department's config names a JSON file in LIFEEVENTS_FAULTS_FILE (only tests and
rehearsals set it; the FaultInjection provider reads it). The file holds a list of rules; a rule
matches a command by department, optionally action and input values, and fails its first
`deliveries` deliveries (every delivery if omitted) with `error`:

    [{"department": "medical_insurance", "inputs": {"child_name": "毒药"}, "error": "register down"},
     {"department": "health", "action": "issue_birth_certificate", "deliveries": 2, "error": "timeout"}]

Counting by delivery number (the broker's count, carried on the message) keeps a rule's effect
the same across restarts of the process. The file is read again when it changes, so a running
suite takes new rules without a restart.

A rule with `"relay": "hold"` holds the department's event relay instead (optionally for one event
`type`): its events stay in the outbox, recorded but unpublished, until the rule goes; the point
where a crash must lose nothing, made deterministic for the tests:

    [{"department": "health", "relay": "hold", "type": "birth_recorded"}]
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping


class InjectedFault(RuntimeError):
    """A fault raised on purpose by a fault-injection rule."""


class FaultRules:
    def __init__(self, path: Path | None):
        self._path = path
        self._stamp: float | None = None
        self._rules: list[dict] = []

    def _current(self) -> list[dict]:
        if self._path is None:
            return []
        try:
            stamp = self._path.stat().st_mtime
        except FileNotFoundError:
            return []
        if stamp != self._stamp:
            self._rules, self._stamp = json.loads(self._path.read_text(encoding="utf-8") or "[]"), stamp
        return self._rules

    def holds(self, department: str, event_type: str) -> bool:
        """Whether a rule holds the department's event relay for events of this type."""
        return any(rule.get("department") == department and rule.get("relay") == "hold"
                   and rule.get("type", event_type) == event_type for rule in self._current())

    def check(self, department: str, action: str, inputs: Mapping[str, str], delivery: int) -> None:
        """Raise InjectedFault if a rule says this delivery of this command fails."""
        for rule in self._current():
            if "relay" in rule:
                continue
            if rule.get("department") != department or rule.get("action", action) != action:
                continue
            if any(inputs.get(name) != value for name, value in rule.get("inputs", {}).items()):
                continue
            if rule.get("deliveries") is None or delivery <= int(rule["deliveries"]):
                raise InjectedFault(rule.get("error", "injected fault"))
