"""A bundle as value objects, and what can be asked of one. Parsing and checks are in parser.py.

A bundle names steps; each step is one action of one department (from the department catalogue)
with inputs taken from the combined form (`form.<field>`) or from an earlier step's result
(`<step>.<output>`). Dependencies follow from those references, plus an optional `after` list.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator, Mapping

from typing import TYPE_CHECKING

from lifeevents.identifiers import CREDIT_CODE_PATTERN, RESIDENT_ID_PATTERN
from saga.domain.approval import Approval
from saga.domain.catalogue import Text
from saga.domain.errors import UnknownBundle
from saga.domain.steps import RetryPolicy

if TYPE_CHECKING:
    from saga.domain.commitment_specs import CommitmentSpec
    from saga.domain.triggers import Trigger



@dataclass(frozen=True)
class FieldType:
    """What every value of a field type is held to, unless the field declares tighter limits: its
    greatest length, a pattern a client can check before sending (ASCII only), and for numbers the
    least and greatest value."""

    max_length: int
    pattern: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    @property
    def is_numeric(self) -> bool:
        return self.minimum is not None


# The longest text a bundle may allow in one field (its default is 200).
MAX_TEXT_LENGTH = 2000
FIELD_TYPES: Mapping[str, FieldType] = {
    "text": FieldType(200),
    "date": FieldType(10, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "resident_id": FieldType(18, RESIDENT_ID_PATTERN),
    "credit_code": FieldType(18, CREDIT_CODE_PATTERN),
    "phone": FieldType(11, "^1[3-9][0-9]{9}$"),
    "choice": FieldType(64),
    # Whole yuan; a field may declare a lower maximum (a registered capital, say).
    "amount": FieldType(13, "^[0-9]+$", Decimal(1), Decimal(10**12)),
    # A non-negative decimal (years of contributions, say); a field declares its range.
    "number": FieldType(16, "^[0-9]+([.][0-9]+)?$", Decimal(0), Decimal(10**9)),
}
# Types whose values are personal data whatever the field; a field of another type that holds a name,
# an address or a bank account says `personal: true`.
PERSONAL_TYPES = ("resident_id", "phone")
# What the separate items a bundle replaces cost, from published figures (a bundle's `baseline:`).
BASELINE_MEASURES = ("steps", "materials", "promised_days", "visits")


@dataclass(frozen=True)
class FieldLookup:
    """Where a form item is looked up instead of asked: department.query keyed by another field."""

    department: str
    query: str
    key_field: str
    value: str
    # The register's value is only a suggestion (where to mail a card); an entered value is kept.
    # Otherwise the register is the truth and an entered value that differs is refused.
    suggested: bool = False


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    label: Text
    options: tuple[str, ...] = ()
    not_after_today: bool = False
    lookup: FieldLookup | None = None
    # Limits: the type's (FIELD_TYPES) unless the field declares tighter ones.
    max_length: int = 200
    pattern: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    personal: bool = False  # declared: a name, an address, a bank account
    # 容缺受理 (saga/domain/materials.py): the applicant may leave it out, committing to supply it within this.
    deferrable: dt.timedelta | None = None

    @property
    def is_personal(self) -> bool:
        return self.personal or self.type in PERSONAL_TYPES


@dataclass(frozen=True)
class Source:
    """Where a step input comes from: a form field, or an output of an earlier step."""

    step: str | None  # None for the form
    key: str

    @property
    def ref(self) -> str:
        return f"{self.step or 'form'}.{self.key}"


@dataclass(frozen=True)
class CompensationSpec:
    """How a completed step is undone when the application fails: another action of its department."""

    action: str
    inputs: Mapping[str, Source]


@dataclass(frozen=True)
class StepSpec:
    """A department's action, or (with `wait`) a period the coordinator itself waits out."""

    id: str
    department: str
    action: str
    inputs: Mapping[str, Source]
    depends_on: tuple[str, ...]
    time_limit: dt.timedelta
    wait: dt.timedelta | None = None
    objections: bool = False  # whether an objection during the wait stops the application
    retry: RetryPolicy = RetryPolicy()
    compensation: CompensationSpec | None = None
    approval: Approval = Approval()  # who decides: the department's rules, or an officer (saga/domain/approval.py)

    @property
    def is_wait(self) -> bool:
        return self.wait is not None

    @property
    def sources(self) -> list[tuple[str, str, Source]]:
        """(where, input name, source) of every input, the undo's included."""
        found = [(f"steps.{self.id}.inputs.{name}", name, src) for name, src in self.inputs.items()]
        if self.compensation is not None:
            found += [(f"steps.{self.id}.compensation.inputs.{name}", name, src)
                      for name, src in self.compensation.inputs.items()]
        return found


@dataclass(frozen=True)
class Reduction:
    measure: str
    separately: float
    bundled: float

    @property
    def percent(self) -> float:
        return 100 * (self.separately - self.bundled) / self.separately if self.separately else 0.0


@dataclass(frozen=True)
class Bundle:
    id: str
    name: Text
    description: Text
    fields: Mapping[str, FieldSpec]
    steps: Mapping[str, StepSpec]  # in an order where every step follows its dependencies
    time_limit: dt.timedelta
    version: str  # digest of the definition, recorded with every application
    baseline: Mapping[str, float] = field(default_factory=dict)  # by measure (BASELINE_MEASURES)
    # The form fields (of type resident_id) naming who may apply: the person, a parent, the legal
    # representative. A field that is looked up names the person the register holds.
    principals: tuple[str, ...] = ()
    proactive: Trigger | None = None  # the department event that offers it (saga/domain/triggers.py)
    # 告知承诺: what the applicant commits to instead of proving it (saga/domain/commitment_specs.py)
    commitments: tuple[CommitmentSpec, ...] = ()
    front_desk: bool = False  # 前台受理 (saga/domain/front_desk.py): accepted at the front desk before any step

    @property
    def deferrable_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.deferrable is not None]

    @property
    def departments(self) -> list[str]:
        return sorted({step.department for step in self.steps.values() if not step.is_wait})

    @property
    def asked_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.lookup is None]

    @property
    def looked_up_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.lookup is not None]

    @property
    def personal_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.is_personal]

    def steps_using(self, field_name: str) -> list[str]:
        return [s.id for s in self.steps.values()
                if any(src.step is None and src.key == field_name for src in s.inputs.values())]

    def critical_path(self) -> int:
        """How many steps one after another the longest dependency chain holds."""
        depth: dict[str, int] = {}
        for step in self.steps.values():  # dependencies come first
            depth[step.id] = 1 + max((depth[d] for d in step.depends_on), default=0)
        return max(depth.values(), default=0)

    def bundled(self) -> dict[str, float]:
        """The baseline's measures for the bundle: one application, the fields the applicant enters,
        the bundle's promised days, no visit (all online)."""
        return {"steps": 1, "materials": len(self.asked_fields),
                "promised_days": round(self.time_limit.total_seconds() / 86400, 2), "visits": 0}

    def reductions(self) -> list[Reduction]:
        """What the bundle saves against each measure its baseline declares."""
        bundled = self.bundled()
        return [Reduction(m, self.baseline[m], bundled[m]) for m in BASELINE_MEASURES if m in self.baseline]


@dataclass
class BundleSet:
    """The bundles on offer, by id."""

    bundles: dict[str, Bundle] = field(default_factory=dict)

    def get(self, bundle_id: str) -> Bundle:
        try:
            return self.bundles[bundle_id]
        except KeyError:
            raise UnknownBundle(bundle_id, list(self.bundles)) from None

    def __iter__(self) -> Iterator[Bundle]:
        return iter(self.bundles.values())
