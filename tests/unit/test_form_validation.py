import datetime as dt
import json

import pytest

from saga.domain.errors import FormInvalid
from saga.domain.forms import validate_form
from tests.support.fakes import ROOT, shipped_bundles

NEWBORN = shipped_bundles().get("newborn")
# The example leaves the mailing address to be looked up; validation alone sees it entered.
EXAMPLE = {**json.loads((ROOT / "bundles" / "examples" / "newborn.json").read_text(encoding="utf-8")),
           "mailing_address": "山东省青岛市市南区香港中路10号2单元301户", "mother_name": "李秀英"}
TODAY = dt.date(2026, 11, 22)


def errors_of(form) -> dict:
    with pytest.raises(FormInvalid) as err:
        validate_form(NEWBORN, form, TODAY)
    return {e.field: e.description for e in err.value.errors}


def test_the_example_form_is_valid():
    assert validate_form(NEWBORN, EXAMPLE, TODAY) == EXAMPLE


def test_optional_fields_may_be_left_out():
    form = {k: v for k, v in EXAMPLE.items() if k not in ("father_id", "father_name")}
    assert "father_id" not in validate_form(NEWBORN, form, TODAY)


def test_an_empty_form_names_every_required_field():
    assert errors_of({}) == {f"form.{name}": "required" for name in (
        "mother_id", "mother_name", "child_name", "child_sex", "birth_date", "birth_hospital", "contact_phone",
        "mailing_address")}


@pytest.mark.parametrize("field, value, complaint", [
    ("mother_id", "370202199205140023", "GB 11643"),
    ("birth_date", "2026-11-23", "after today"),
    ("birth_date", "18/11/2026", "YYYY-MM-DD"),
    ("contact_phone", "0532-8888888", "mobile"),
    ("child_sex", "boy", "one of male, female"),
    ("child_name", 42, "must be a string"),
])
def test_a_bad_value_is_named_with_its_reason(field, value, complaint):
    errors = errors_of({**EXAMPLE, field: value})
    assert list(errors) == [f"form.{field}"] and complaint in errors[f"form.{field}"]


def test_an_unknown_field_is_named():
    assert "form.shoe_size" in errors_of({**EXAMPLE, "shoe_size": "38"})
