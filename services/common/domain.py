"""The department domain base: commands in, decisions out, effects in a register.

No nameko, no eventlet, no broker here. A department is a class whose public
action methods take the command's inputs and the date, check their rules with
`check_*` guards that raise Refusal, and only then write to the register.
"""
from __future__ import annotations

import abc
import contextlib
import datetime as dt
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator, Mapping

from lifeevents.identifiers import InvalidIdentifier, ResidentId, parse_resident_id
from lifeevents.text import ascii_decimal, forbidden_character, quote
from services.common.outbox import Outbox

# The longest input value a department takes (characters): what the coordinator lets through, and then some.
MAX_INPUT = 2000


class Refusal(Exception):
    """A business answer: the department will not do this, for the reason given."""


class UnknownAction(LookupError):
    """A command for an action this department does not perform: a contract fault, not a refusal."""


class UnknownQuery(LookupError):
    """A lookup this department does not answer."""


class DuplicateRecord(Exception):
    """A record that may be written once is there already (a command decided by another instance)."""


class InvalidFields(ValueError):
    """A request to a department's API that does not hold: each (field, what is wrong)."""

    def __init__(self, violations: list[tuple[str, str]]):
        self.violations = violations
        super().__init__("; ".join(f"{field}: {description}" for field, description in violations))


@dataclass(frozen=True)
class Decision:
    completed: bool
    outputs: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    decided_by: str = ""  # the officer who decided (services/common/worklist.py); "" for the rules
    returned: dict[str, str] = field(default_factory=dict)  # an officer's return for correction: input -> why

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> Decision:
        return cls(record["completed"], record["outputs"], record["reason"], record.get("decided_by", ""),
                   record.get("returned") or {})


class Inputs:
    """A command's inputs, with the accessors a rule needs. A command comes from anyone who can
    publish to the queue, so each value is held to what the coordinator checks at its door: a
    length, no control or format character, identifiers and numbers in ASCII digits only."""

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(values)

    def required(self, name: str) -> str:
        value = self.optional(name)
        if not value:
            raise Refusal(f"{name} is missing")
        return value

    def optional(self, name: str) -> str:
        value = (self._values.get(name) or "").strip()
        if len(value) > MAX_INPUT:
            raise Refusal(f"{name} has {len(value)} characters (at most {MAX_INPUT})")
        if (problem := forbidden_character(value)) is not None:
            raise Refusal(f"{name} {problem}")
        return value

    def number(self, name: str, minimum: float, maximum: float) -> float:
        """A decimal in ASCII digits within [minimum, maximum]: never inf, nan or other scripts' digits."""
        value = self.required(name)
        try:
            number = ascii_decimal(value)
        except ValueError:
            raise Refusal(f"{name} is not a number written with the digits 0-9: {quote(value)}") from None
        if not minimum <= number <= maximum:
            raise Refusal(f"{name} must be from {minimum:g} to {maximum:g}, not {quote(value)}")
        return float(number)

    def date(self, name: str) -> dt.date:
        try:
            return dt.date.fromisoformat(self.required(name))
        except ValueError:
            raise Refusal(f"{name} is not a date") from None

    def resident_id(self, name: str, today: dt.date) -> ResidentId:
        try:
            return parse_resident_id(self.required(name), today)
        except InvalidIdentifier as err:
            raise Refusal(f"{name} is not a valid resident ID: {err}") from None


class Register(abc.ABC):
    """A department's persisted register: records by kind and key, counters, one transaction at a time."""

    @abc.abstractmethod
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def put(self, kind: str, key: str, record: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    def insert(self, kind: str, key: str, record: Mapping[str, Any]) -> None:
        """Write a record that must not exist yet; DuplicateRecord if it does."""

    @abc.abstractmethod
    def find(self, kind: str, **equal: Any) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    def all(self, kind: str) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    def next_number(self, counter: str) -> int: ...

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]: ...


class InMemoryRegister(Register):
    """The register for unit tests: same behaviour, nothing on disk; a failed transaction leaves no trace."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.counters: dict[str, int] = {}
        self._lock = threading.RLock()

    def get(self, kind, key):
        record = self.records.get(kind, {}).get(key)
        return dict(record) if record is not None else None

    def put(self, kind, key, record):
        self.records.setdefault(kind, {})[key] = dict(record)

    def insert(self, kind, key, record):
        if key in self.records.get(kind, {}):
            raise DuplicateRecord(f"{kind} {key} is already recorded")
        self.put(kind, key, record)

    def find(self, kind, **equal):
        return [dict(r) for r in self.records.get(kind, {}).values()
                if all(r.get(k) == v for k, v in equal.items())]

    def all(self, kind):
        return [dict(r) for r in self.records.get(kind, {}).values()]

    def next_number(self, counter):
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            saved = ({k: {kk: dict(vv) for kk, vv in v.items()} for k, v in self.records.items()}, dict(self.counters))
            try:
                yield
            except BaseException:
                self.records, self.counters = saved
                raise


class Department:
    """Base of every department domain. Subclasses list their actions in `actions`."""

    name: str = ""
    actions: tuple[str, ...] = ()
    # Lookup query name -> the method answering it with a record (or None): materials reuse.
    lookups: Mapping[str, str] = {}
    # Action -> the method giving the reasons (from the register) why an officer must decide a command
    # of it, whatever the bundle says; the catalogue declares these actions `may_escalate`.
    escalations: Mapping[str, str] = {}

    def __init__(self, register: Register, today: Callable[[], dt.date] = dt.date.today):
        self.register = register
        self.today = today
        self.outbox = Outbox(register, self.name)  # events it publishes (services/common/outbox.py)

    def lookup(self, query: str, key: str) -> dict[str, str] | None:
        """What the register holds for `key`, as strings; None when it holds nothing."""
        if query not in self.lookups:
            raise UnknownQuery(f"{self.name} answers no lookup {query!r}")
        record = getattr(self, self.lookups[query])(key.strip())
        if record is None:
            return None
        return {k: str(v) for k, v in record.items() if isinstance(v, (str, int, float)) and v != ""}

    def load_seed(self, seed: Mapping[str, Any]) -> int:
        """Put reference data in the register where it is missing; return how many sets were added."""
        raise NotImplementedError(f"{self.name} has no reference data")

    def escalation(self, action: str, inputs: Mapping[str, str]) -> list[str]:
        """Why an officer must decide this command, by the department's own rules; [] if nothing says so
        (inputs the action would refuse escalate nothing: the rules refuse them at once)."""
        if action not in self.escalations:
            return []
        try:
            return list(getattr(self, self.escalations[action])(Inputs(inputs), self.today()))
        except Refusal:
            return []

    def decided(self, command_id: str) -> Decision | None:
        """The decision recorded for a command, if any."""
        previous = self.register.get("command", command_id)
        return Decision.of_record(previous) if previous is not None else None

    def handle(self, command_id: str, action: str, inputs: Mapping[str, str], decided_by: str = "") -> Decision:
        """Decide one command, exactly once: a repeated command id gets the recorded decision back. An
        officer deciding (`decided_by`) lets the rules decide as they would, recorded with who decided."""
        if action not in self.actions:
            raise UnknownAction(f"{self.name} does not perform {action!r}")
        with self.register.transaction():
            if (previous := self.decided(command_id)) is not None:
                return previous
            try:
                with self.register.transaction():  # a refusal undoes whatever the action wrote
                    outputs = getattr(self, action)(Inputs(inputs), self.today())
                decision = Decision(True, {k: str(v) for k, v in outputs.items()}, decided_by=decided_by)
            except Refusal as refusal:
                decision = Decision(False, {}, str(refusal), decided_by=decided_by)
            self.record(command_id, action, decision)
            return decision

    def record(self, command_id: str, action: str, decision: Decision) -> None:
        """Inserted, never replaced: another instance deciding the same command at the same time fails
        here, its effects undone with its transaction, and the redelivery finds this decision."""
        self.register.insert("command", command_id, {**asdict(decision), "action": action})
