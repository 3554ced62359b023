"""The one combined form, generated from the API's `GetForm`: each field's input, label, hint and
error; no template per bundle. Field errors come from the API's google.rpc.BadRequest
(`form.<name>`) and are put back at their fields, in the page's language."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from lifeevents.v1 import applications_pb2 as pb
from web.api import FieldViolation
from web.i18n import Translator

FIELD_PREFIX = "form."
RADIOS_UP_TO = 4  # more options than this make a select
MAX_VALUE_LENGTH = 1000

# The API's descriptions of bad fields (saga/domain/forms.py), matched to catalogue messages. A
# violation's `reason`, when the API fills it, is used first; an unknown description is shown as is.
_DESCRIPTIONS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), key) for p, key in (
    (r"^required$", "error.required"),
    (r"^a date is written", "error.date_format"),
    (r" is after today", "error.date_future"),
    (r"^not a valid resident ID", "error.resident_id"),
    (r"^not a valid unified social credit code", "error.credit_code"),
    (r"^a mainland mobile number", "error.phone"),
    (r"^a whole number of yuan", "error.amount"),
    (r"^one of ", "error.choice"),
    (r"^at most \d+ characters", "error.too_long"),
    (r" holds no record for ", "error.lookup_missing"),
    (r" could not be asked just now", "error.lookup_unavailable"),
))
_INPUTS = {  # field type -> (input type, inputmode, autocomplete)
    "date": ("date", "", "off"),
    "phone": ("tel", "tel", "tel"),
    "resident_id": ("text", "text", "off"),
    "credit_code": ("text", "text", "off"),
    "amount": ("text", "numeric", "off"),
    "text": ("text", "", "off"),
}
_HINTS = {"date": "hint.date", "resident_id": "hint.resident_id", "phone": "hint.phone",
          "credit_code": "hint.credit_code", "amount": "hint.amount"}


@dataclass
class FieldView:
    name: str
    type: str
    label: str
    required: bool
    known_from: str          # the department whose register holds it ("" if it is asked)
    hint: str
    value: str
    error: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    input_type: str = "text"
    inputmode: str = ""
    autocomplete: str = "off"

    @property
    def id(self) -> str:
        return f"field-{self.name}"

    @property
    def widget(self) -> str:
        if self.type == "choice":
            return "radios" if len(self.options) <= RADIOS_UP_TO else "select"
        return "input"

    @property
    def described_by(self) -> str:
        return " ".join(i for i, present in ((f"{self.id}-hint", self.hint), (f"{self.id}-error", self.error))
                        if present)


@dataclass(frozen=True)
class ErrorLink:
    href: str  # "" for an error no field of the page shows
    message: str


def submitted_values(form: pb.Form, posted: Mapping[str, object]) -> dict[str, str]:
    """The values entered for the form's fields, trimmed; empty ones left out (so a looked-up
    field left empty is filled from the register)."""
    values = {}
    for spec in form.fields:
        value = posted.get(spec.name)
        if isinstance(value, str) and value.strip():
            values[spec.name] = value.strip()[:MAX_VALUE_LENGTH]
    return values


def error_message(violation: FieldViolation, spec: pb.FormField | None, t: Translator) -> str:
    if spec is None:
        return violation.description
    label = t.text(spec.label)
    key = f"error.{violation.reason.lower()}" if violation.reason else ""
    if not key or t.maybe(key, "") == "":
        key = next((k for pattern, k in _DESCRIPTIONS if pattern.search(violation.description)), "")
    if not key:
        return violation.description
    if key == "error.required" and spec.type == "choice":
        key = "error.required_choice"
    return t.field_message(key, label, t.department(spec.lookup.department) if spec.HasField("lookup") else "")


def field_errors(form: pb.Form, violations: tuple[FieldViolation, ...], t: Translator) -> tuple[dict[str, str], list[ErrorLink]]:
    """Messages per field name, and the error summary's links in the order of the form."""
    specs = {spec.name: spec for spec in form.fields}
    at_field: dict[str, str] = {}
    elsewhere: list[ErrorLink] = []
    for violation in violations:
        name = violation.field.removeprefix(FIELD_PREFIX) if violation.field.startswith(FIELD_PREFIX) else ""
        if name in specs:
            at_field.setdefault(name, error_message(violation, specs[name], t))
        else:
            elsewhere.append(ErrorLink("", violation.description))
    summary = [ErrorLink(f"#field-{spec.name}", at_field[spec.name]) for spec in form.fields if spec.name in at_field]
    return at_field, summary + elsewhere


def field_views(form: pb.Form, values: Mapping[str, str], errors: Mapping[str, str], t: Translator) -> list[FieldView]:
    views = []
    for spec in form.fields:
        known_from = t.department(spec.lookup.department) if spec.HasField("lookup") else ""
        input_type, inputmode, autocomplete = _INPUTS.get(spec.type, _INPUTS["text"])
        hint = t("form.known_hint", department=known_from) if known_from else ""
        if spec.type in _HINTS:
            hint = f"{hint} {t(_HINTS[spec.type])}".strip()
        views.append(FieldView(
            name=spec.name, type=spec.type, label=t.text(spec.label), required=spec.required and not known_from,
            known_from=known_from, hint=hint, value=values.get(spec.name, ""), error=errors.get(spec.name, ""),
            options=[(option, t.option(option)) for option in spec.options],
            input_type=input_type, inputmode=inputmode, autocomplete=autocomplete))
    return views
