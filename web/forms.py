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
ACCEPTED = "accepted"  # the form value accepting a commitment (commitment.<name>)
RADIOS_UP_TO = 4  # more options than this make a select
MAX_VALUE_LENGTH = 1000

# The API's descriptions of bad fields (saga/domain/forms.py), matched to catalogue messages; a named
# group `department` is the department the description names. A violation's `reason`, when the API
# fills it, is used first (it does not yet); an unknown description is shown as is.
_DESCRIPTIONS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), key) for p, key in (
    (r"^required$", "error.required"),
    (r"^a date is written", "error.date_format"),
    (r" is after today", "error.date_future"),
    (r"^not a valid resident ID", "error.resident_id"),
    (r"^not a valid unified social credit code", "error.credit_code"),
    (r"^a mainland mobile number", "error.phone"),
    (r"^a whole number of yuan", "error.amount"),
    (r"^a number from ", "error.number"),
    (r"^one of ", "error.choice"),
    (r"^at most \d+ characters", "error.too_long"),
    (r"^(?P<department>\w+) holds no record for ", "error.lookup_missing"),
    (r"^(?P<department>\w+) holds no record of it, so ", "error.lookup_unconfirmed"),
    (r"^differs from what (?P<department>\w+) holds", "error.lookup_differs"),
    (r"^what (?P<department>\w+) holds for it is not valid here", "error.lookup_invalid"),
    (r" could not be asked just now", "error.lookup_unavailable"),
))
_INPUTS = {  # field type -> (input type, inputmode, autocomplete)
    "date": ("date", "", "off"),
    "phone": ("tel", "tel", "tel"),
    "resident_id": ("text", "text", "off"),
    "credit_code": ("text", "text", "off"),
    "amount": ("text", "numeric", "off"),
    "number": ("text", "decimal", "off"),
    "text": ("text", "", "off"),
}
_HINTS = {"date": "hint.date", "resident_id": "hint.resident_id", "phone": "hint.phone",
          "credit_code": "hint.credit_code", "amount": "hint.amount", "number": "hint.number"}


@dataclass
class FieldView:
    name: str
    type: str
    label: str
    required: bool
    known_from: str          # the department whose register holds it ("" if it is asked, or only suggested)
    hint: str
    value: str
    error: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    input_type: str = "text"
    inputmode: str = ""
    autocomplete: str = "off"
    suggested_from: str = ""  # the department whose register suggests a value the person may change
    deferrable: str = ""     # 容缺受理: "may follow within N days" (left out, it is a commitment to supply it)

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


@dataclass
class CommitmentView:
    """A commitment of the bundle (告知承诺): its text, the proof it stands for, a checkbox to accept."""
    name: str
    key: str        # the form value that accepts it: commitment.<name>
    text: str
    replaces: str
    accepted: bool
    error: str = ""

    @property
    def id(self) -> str:
        return f"field-commitment-{self.name}"


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
    for terms in form.commitments:
        if posted.get(terms.form_key) == ACCEPTED:
            values[terms.form_key] = ACCEPTED
    return values


def unaccepted(form: pb.Form, values: Mapping[str, str],
               named: tuple[FieldViolation, ...]) -> tuple[FieldViolation, ...]:
    """The commitments left unticked that the API's answer does not name: it checks them only once the
    form's shape is right, and a person is told everything to fix at once."""
    named_fields = {v.field for v in named}
    return tuple(FieldViolation(f"{FIELD_PREFIX}{c.form_key}", "not accepted") for c in form.commitments
                 if values.get(c.form_key) != ACCEPTED and f"{FIELD_PREFIX}{c.form_key}" not in named_fields)


def commitment_views(form: pb.Form, values: Mapping[str, str], errors: Mapping[str, str],
                     t: Translator) -> list[CommitmentView]:
    zh = t.language == "zh"
    return [CommitmentView(name=c.name, key=c.form_key, text=c.text_zh if zh else (c.text_en or c.text_zh),
                           replaces=c.replaces_zh if zh else (c.replaces_en or c.replaces_zh),
                           accepted=values.get(c.form_key) == ACCEPTED, error=errors.get(c.form_key, ""))
            for c in form.commitments]


def error_message(violation: FieldViolation, spec: pb.FormField | None, t: Translator, refusal: bool = False) -> str:
    """The message at a field: from the violation's reason when the API gives one, else from its
    description; a refusal (PERMISSION_DENIED naming a principal field) says who may apply."""
    if spec is None:
        return violation.description
    label = t.text(spec.label)
    if refusal:
        return t.field_message("error.not_principal", label)
    key = f"error.{violation.reason.lower()}" if violation.reason else ""
    department = t.department(spec.lookup.department) if spec.HasField("lookup") else ""
    if not key or t.maybe(key, "") == "":
        key = ""
        for pattern, candidate in _DESCRIPTIONS:
            match = pattern.search(violation.description)
            if match:
                key = candidate
                if match.groupdict().get("department"):
                    department = t.department(match.group("department"))
                break
    if not key:
        return violation.description
    if key == "error.required" and spec.type == "choice":
        key = "error.required_choice"
    return t.field_message(key, label, department, **limits_of(spec))


def shown_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def limits_of(spec: pb.FormField) -> dict[str, str]:
    """What the messages of a field may quote: its length and numeric range."""
    return {"max_length": str(spec.max_length or 200),
            "minimum": shown_number(spec.minimum) if spec.HasField("minimum") else "0",
            "maximum": shown_number(spec.maximum) if spec.HasField("maximum") else ""}


def field_errors(form: pb.Form, violations: tuple[FieldViolation, ...], t: Translator,
                 refusal: bool = False) -> tuple[dict[str, str], list[ErrorLink]]:
    """Messages per field name, and the error summary's links in the order of the form."""
    specs = {spec.name: spec for spec in form.fields}
    commitments = {c.form_key: c for c in form.commitments}
    at_field: dict[str, str] = {}
    elsewhere: list[ErrorLink] = []
    for violation in violations:
        name = violation.field.removeprefix(FIELD_PREFIX) if violation.field.startswith(FIELD_PREFIX) else ""
        if name in specs:
            at_field.setdefault(name, error_message(violation, specs[name], t, refusal))
        elif name in commitments:
            at_field.setdefault(name, t("error.commitment"))
        else:
            elsewhere.append(ErrorLink("", violation.description))
    summary = [ErrorLink(f"#field-{spec.name}", at_field[spec.name]) for spec in form.fields if spec.name in at_field]
    summary += [ErrorLink(f"#field-commitment-{c.name}", at_field[key]) for key, c in commitments.items()
                if key in at_field]
    return at_field, summary + elsewhere


def field_views(form: pb.Form, values: Mapping[str, str], errors: Mapping[str, str], t: Translator) -> list[FieldView]:
    views = []
    for spec in form.fields:
        department = t.department(spec.lookup.department) if spec.HasField("lookup") else ""
        # A suggested value is a default the person may change, not something already known.
        suggested = bool(department) and spec.lookup.suggested
        known_from = "" if suggested else department
        input_type, inputmode, autocomplete = _INPUTS.get(spec.type, _INPUTS["text"])
        hint = (t("form.suggested_hint", department=department) if suggested else
                t("form.known_hint", department=department) if department else "")
        if spec.type in _HINTS:
            hint = f"{hint} {t(_HINTS[spec.type], **limits_of(spec))}".strip()
        deferrable = t("form.deferrable", within=t.duration(spec.deferrable_within_hours)) \
            if spec.deferrable_within_hours > 0 else ""
        if deferrable:
            hint = f"{hint} {deferrable}".strip()
        views.append(FieldView(
            name=spec.name, type=spec.type, label=t.text(spec.label),
            required=spec.required and not department and not deferrable,
            known_from=known_from, hint=hint, value=values.get(spec.name, ""), error=errors.get(spec.name, ""),
            options=[(option, t.option(option)) for option in spec.options],
            input_type=input_type, inputmode=inputmode, autocomplete=autocomplete,
            suggested_from=department if suggested else "", deferrable=deferrable))
    return views
