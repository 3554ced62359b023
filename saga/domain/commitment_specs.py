"""告知承诺: a commitment the applicant makes instead of proving a fact, declared as bundle data, and
what the form must say to accept it.

    commitments:
      no_debts:
        text: {zh: 全体投资人承诺企业无债权债务…, en: All investors commit that the company has no debts…}
        replaces: {zh: 清算报告, en: Liquidation report}    # the proof it stands for (optional)
        allows: [<step>, ...]                              # the steps that go ahead on its strength
        verify:                                            # who checks it, and when
          by: market_regulation.verify_no_debts
          after: 30d                                       # a durable timer; without it, an officer's finding only
          inputs: {credit_code: form.credit_code}
        record:                                            # where a broken one is recorded (optional)
          by: market_regulation.record_broken_commitment
          inputs: {credit_code: form.credit_code}

The applicant accepts each with the form value `commitment.<name>: accepted`. Checked at load
against the catalogue and the bundle: the actions exist with the inputs given (and give the results
the coordinator reads: `commitment_holds` and `finding` for a verification), inputs name form
fields, allowed steps exist, the delay is a duration within the limits. No file I/O.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from lifeevents.text import quote
from saga.domain.catalogue import Catalogue, Text, parse_text
from saga.domain.errors import FieldError

if TYPE_CHECKING:
    from saga.domain.bundle import Bundle, FieldSpec, Source, StepSpec

FORM_PREFIX = "commitment."
ACCEPTED = "accepted"
# What a verifying action must give: whether the commitment holds ("true" or "false"), and what was found.
HOLDS, FINDING = "commitment_holds", "finding"
# What the coordinator adds to a register record's inputs: which commitment, and what was found.
RECORDED = ("commitment", "finding")
_KEYS = ("text", "replaces", "allows", "verify", "record")
MAX_COMMITMENTS = 8


@dataclass(frozen=True)
class Command:
    """A department's action the coordinator sends about a commitment, with its inputs."""

    department: str
    action: str
    inputs: Mapping[str, Source]

    def as_plan(self) -> dict[str, Any]:
        return {"department": self.department, "action": self.action,
                "inputs": {name: src.ref for name, src in self.inputs.items()}}


@dataclass(frozen=True)
class CommitmentSpec:
    name: str
    text: Text
    verify: Command
    after: dt.timedelta | None = None  # None: no timer, an officer's finding only
    replaces: Text | None = None
    allows: tuple[str, ...] = ()
    record: Command | None = None

    @property
    def form_key(self) -> str:
        return f"{FORM_PREFIX}{self.name}"

    def as_plan(self) -> dict[str, Any]:
        """The commitment as plain data, recorded when it is made: a stream keeps its meaning when the
        bundle changes."""
        return {"name": self.name, "text": {"zh": self.text.zh, "en": self.text.en}, "allows": list(self.allows),
                "after_s": self.after.total_seconds() if self.after is not None else None,
                "verify": self.verify.as_plan(), "record": self.record.as_plan() if self.record else None}


Duration = Callable[[Any, str, list[str]], dt.timedelta]
Sources = Callable[[Any, str, list[str]], "dict[str, Source]"]


def parse_commitments(spec: Any, fields: Mapping[str, FieldSpec], steps: Mapping[str, StepSpec],
                      catalogue: Catalogue, problems: list[str], duration: Duration,
                      sources: Sources, time_limit: dt.timedelta) -> tuple[CommitmentSpec, ...]:
    """The bundle's `commitments:`; every problem appended to `problems`."""
    if spec is None:
        return ()
    if not isinstance(spec, Mapping) or len(spec) > MAX_COMMITMENTS:
        problems.append(f"commitments: a mapping of at most {MAX_COMMITMENTS} names to commitments")
        return ()
    found = []
    for name, item in spec.items():
        where = f"commitments.{name}"
        if not isinstance(name, str) or not name.isidentifier() or not name.isascii() or not name.islower():
            problems.append(f"commitments: {quote(name)} is not a lower-case identifier")
            continue
        if not isinstance(item, Mapping):
            problems.append(f"{where}: a mapping with {', '.join(_KEYS)}")
            continue
        if unknown := [k for k in item if k not in _KEYS]:
            problems.append(f"{where}: unknown key(s) {', '.join(quote(k) for k in unknown)}")
        text = parse_text(item.get("text"), f"{where}.text", problems)
        replaces = parse_text(item["replaces"], f"{where}.replaces", problems) if "replaces" in item else None
        allows = _allows(item.get("allows"), steps, f"{where}.allows", problems)
        verify_spec = item.get("verify")
        if not isinstance(verify_spec, Mapping):
            problems.append(f"{where}.verify: a mapping with by: <department>.<action>, after and inputs")
            continue
        verify = _command(verify_spec, fields, catalogue, f"{where}.verify", problems, sources, (HOLDS, FINDING))
        after = None
        if "after" in verify_spec:
            after = duration(verify_spec["after"], f"{where}.verify.after", problems)
            if after <= dt.timedelta(0):
                problems.append(f"{where}.verify.after: a verification waits longer than 0s")
            elif after > 10 * max(time_limit, dt.timedelta(days=1)):
                problems.append(f"{where}.verify.after: more than ten times the bundle's time limit")
        record, record_spec = None, item.get("record")
        if record_spec is not None and not isinstance(record_spec, Mapping):
            problems.append(f"{where}.record: a mapping with by: <department>.<action> and inputs")
        elif record_spec is not None:
            record = _command(record_spec, fields, catalogue, f"{where}.record", problems, sources, (), RECORDED)
        if verify is not None:
            found.append(CommitmentSpec(name, text, verify, after, replaces, allows, record))
    return tuple(found)


def _allows(value: Any, steps: Mapping[str, StepSpec], where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: a list of step names")
        return ()
    for step in value:
        if step not in steps:
            problems.append(f"{where}: no step {quote(step)}")
    return tuple(value)


def _command(spec: Mapping[str, Any], fields: Mapping[str, FieldSpec], catalogue: Catalogue, where: str,
             problems: list[str], sources: Sources, needs: tuple[str, ...],
             supplied: tuple[str, ...] = ()) -> Command | None:
    """`by: <department>.<action>` of the catalogue, with inputs from form fields (and those the
    coordinator supplies, which the action must take)."""
    by = spec.get("by")
    department, _, action_name = by.partition(".") if isinstance(by, str) else ("", "", "")
    action = catalogue.action(department, action_name)
    if action is None:
        problems.append(f"{where}.by: {quote(by)} is not a <department>.<action> of the catalogue")
        return None
    inputs = sources(spec.get("inputs"), f"{where}.inputs", problems)
    for name, src in inputs.items():
        if name not in action.inputs:
            problems.append(f"{where}.inputs.{name}: {by} takes no such input")
        if src.step is not None or src.key not in fields:
            problems.append(f"{where}.inputs.{name}: {quote(src.ref)} is not form.<field> of this bundle")
    for name, required in action.inputs.items():
        if required and name not in inputs and name not in supplied:
            problems.append(f"{where}: {by} needs {name!r}, which is not given")
    if untaken := [n for n in supplied if n not in action.inputs]:
        problems.append(f"{where}.by: {by} takes no {', '.join(untaken)}, which the coordinator sends")
    if missing := [n for n in needs if n not in action.outputs]:
        problems.append(f"{where}.by: {by} gives no {', '.join(missing)}, which a verification answers with")
    return Command(department, action_name, inputs)


# -- the form ------------------------------------------------------------------------------------------
def is_commitment_key(bundle: Bundle, name: Any) -> bool:
    return isinstance(name, str) and any(c.form_key == name for c in bundle.commitments)


def acceptance_errors(bundle: Bundle, form: Mapping[str, Any]) -> list[FieldError]:
    """Each commitment the form does not accept, named (`form.commitment.<name>`)."""
    return [FieldError(f"form.{c.form_key}", f"the commitment must be accepted: set it to {ACCEPTED!r} "
                                             f"({c.text.en})"[:300])
            for c in bundle.commitments if form.get(c.form_key) != ACCEPTED]


def without_commitments(bundle: Bundle, form: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if not is_commitment_key(bundle, k)}
