"""Who decides a step (后台审批 beside 秒批), declared as bundle data: a step's `approval:` is `auto` (the
department's rules decide at once; the default), `officer` (an officer of the department decides
every case), or `{officer_when: [rules]}` (an officer decides when a rule over the step's inputs
holds). The coordinator evaluates it at dispatch, on the inputs it sends, and says so in the command
(StepCommand.review, with the reasons); the department then opens a case in its worklist instead
of deciding. A department may also escalate a case by rules only its register can answer (a gap
in a contribution record): the catalogue declares that the action may (`may_escalate`).

A rule names one input of the step and one test:

    {input: post_type, in: [special]}                          the value is one of these
    {input: post_type, not_in: [managerial_technical]}          the value is none of these
    {input: company_name, contains_any: [中国, 中华, 国家, 国际]}  the value contains one of these

with an optional `reason: {zh, en}` shown to the officer (otherwise one is made from the rule).
The loader checks the input is one the step has, and the rule's shape; nothing here reads a file.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from lifeevents.text import quote

MAX_RULES, MAX_VALUES, MAX_VALUE_LENGTH = 20, 50, 64
OFFICER = "OFFICER"  # a command's review when an officer decides; "" when the department's rules do


class ApprovalMode(enum.StrEnum):
    AUTO = "auto"
    OFFICER = "officer"
    BY_RULE = "by_rule"


class Condition(enum.StrEnum):
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS_ANY = "contains_any"

    def holds(self, value: str, values: tuple[str, ...]) -> bool:
        if self is Condition.IN:
            return value in values
        if self is Condition.NOT_IN:
            return value not in values
        return any(v in value for v in values)


@dataclass(frozen=True)
class Rule:
    """When an officer decides: a test of one input of the step."""

    input: str
    condition: Condition
    values: tuple[str, ...]
    reason: str = ""

    def holds(self, inputs: Mapping[str, str]) -> bool:
        return self.condition.holds((inputs.get(self.input) or "").strip(), self.values)

    @property
    def why(self) -> str:
        return self.reason or f"{self.input} {self.condition.value.replace('_', ' ')} {', '.join(self.values)}"

    def as_plan(self) -> dict[str, Any]:
        return {"input": self.input, "test": self.condition.value, "values": list(self.values), "reason": self.reason}

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any]) -> Rule:
        return cls(entry["input"], Condition(entry["test"]), tuple(entry["values"]), entry.get("reason", ""))


@dataclass(frozen=True)
class Review:
    """Who decides one command: an officer (with the reasons) or the department's rules."""

    by_officer: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def wire(self) -> str:
        """What the command carries: OFFICER, or "" for the department's rules."""
        return OFFICER if self.by_officer else ""


EVERY_CASE = "every case of this step is decided by an officer"


@dataclass
class CaseReview:
    """How the command a step sent is decided (a step's `case`; changed by the events of review.py):
    by the department's rules, or by an officer, with the case's course in the department's worklist."""

    review: str = ""  # OFFICER when the command asked for an officer, "" when the department's rules decide
    reasons: list[str] = field(default_factory=list)  # why an officer decides (the bundle's, the department's)
    since: dt.datetime | None = None  # in the department's worklist since (its clock)
    officer: str = ""  # who claimed the case
    decided_by: str = ""  # the officer who decided
    returned_inputs: dict[str, str] = field(default_factory=dict)  # input -> what to correct
    returned_at: dt.datetime | None = None  # since when it is with the applicant (its time limit paused)


@dataclass(frozen=True)
class Approval:
    mode: ApprovalMode = ApprovalMode.AUTO
    rules: tuple[Rule, ...] = ()

    def review(self, inputs: Mapping[str, str]) -> Review:
        """Who decides a command with these inputs."""
        if self.mode is ApprovalMode.OFFICER:
            return Review(True, (EVERY_CASE,))
        reasons = tuple(rule.why for rule in self.rules if rule.holds(inputs))
        return Review(bool(reasons), reasons)

    def as_plan(self) -> dict[str, Any] | None:
        """As the plan records it (None: the department's rules decide)."""
        if self.mode is ApprovalMode.AUTO:
            return None
        return {"mode": self.mode.value, "rules": [rule.as_plan() for rule in self.rules]}

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any] | None) -> Approval:
        if not entry:
            return cls()
        return cls(ApprovalMode(entry["mode"]), tuple(Rule.from_plan(r) for r in entry.get("rules") or ()))


# -- parsing a bundle's declaration -------------------------------------------------------------------
def parse_approval(value: Any, where: str, inputs: Iterable[str], problems: list[str]) -> Approval:
    """A step's `approval:` (None, auto, officer, or {officer_when: [rules]}); problems name the item."""
    if value is None or value == ApprovalMode.AUTO.value:
        return Approval()
    if value == ApprovalMode.OFFICER.value:
        return Approval(ApprovalMode.OFFICER)
    if not isinstance(value, Mapping) or set(value) != {"officer_when"}:
        problems.append(f"{where}: auto, officer, or {{officer_when: [rules]}}, not {quote(value)}")
        return Approval()
    rules = value["officer_when"]
    if not isinstance(rules, list) or not 1 <= len(rules) <= MAX_RULES:
        problems.append(f"{where}.officer_when: a list of 1 to {MAX_RULES} rules")
        return Approval()
    names = set(inputs)
    parsed = [_rule(rule, f"{where}.officer_when[{i}]", names, problems) for i, rule in enumerate(rules)]
    return Approval(ApprovalMode.BY_RULE, tuple(r for r in parsed if r is not None))


def _rule(spec: Any, where: str, inputs: set[str], problems: list[str]) -> Rule | None:
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: a mapping like {{input: post_type, in: [special]}}, not {quote(spec)}")
        return None
    unknown = set(spec) - {"input", "reason", *(t.value for t in Condition)}
    tests = [t for t in Condition if t.value in spec]
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(quote(k) for k in sorted(map(str, unknown)))}")
    if len(tests) != 1:
        problems.append(f"{where}: exactly one of {', '.join(t.value for t in Condition)}")
        return None
    name = spec.get("input")
    if not isinstance(name, str) or name not in inputs:
        problems.append(f"{where}.input: {quote(name)} is not an input of the step "
                        f"(it has: {', '.join(sorted(inputs)) or 'none'})")
        return None
    test = tests[0]
    values = spec[test.value]
    if (not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES
            or not all(isinstance(v, (str, int)) and not isinstance(v, bool) and 1 <= len(str(v)) <= MAX_VALUE_LENGTH
                       for v in values)):
        problems.append(f"{where}.{test.value}: a list of 1 to {MAX_VALUES} texts of 1 to {MAX_VALUE_LENGTH} "
                        f"characters")
        return None
    return Rule(name, test, tuple(str(v) for v in values), _reason(spec.get("reason"), f"{where}.reason", problems))


def _reason(value: Any, where: str, problems: list[str]) -> str:
    """A declared reason {zh, en} as one text, or "" (one is made from the rule)."""
    if value is None:
        return ""
    if (isinstance(value, Mapping) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str)
            and 0 < len(value["zh"]) + len(value["en"]) <= 300):
        return f"{value['zh']} ({value['en']})"
    problems.append(f"{where}: zh and en text (at most 300 characters together)")
    return ""
