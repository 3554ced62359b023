"""Completing a form from department registers: looked up when left out, asked for when missing,
checked against the register when entered; a register that cannot be asked is UNAVAILABLE, not a
request to type the data in."""
import datetime as dt
import json

import pytest

from saga.domain.errors import FormInvalid, LookupUnavailable
from saga.domain.forms import complete_form
from tests.support.fakes import ROOT, shipped_bundles

NEWBORN = shipped_bundles().get("newborn")
RETIREMENT = shipped_bundles().get("retirement")
EXAMPLE = {**json.loads((ROOT / "bundles" / "examples" / "newborn.json").read_text(encoding="utf-8")),
           "mother_name": "李秀英"}
MOTHER = EXAMPLE["mother_id"]
HOUSEHOLD = ("civil_registration", "household_of", MOTHER)
PERSON = ("civil_registration", "person", MOTHER)
TODAY = dt.date(2026, 11, 22)


class FakeRegisters:
    def __init__(self, records):
        self.records, self.asked = records, []

    def __call__(self, department, query, key):
        self.asked.append((department, query, key))
        if self.records is None:
            raise LookupUnavailable(department)
        return self.records.get((department, query, key))


def test_a_left_out_item_is_looked_up_and_recorded_as_such():
    registers = FakeRegisters({HOUSEHOLD: {"address": "青岛某路1号"}, PERSON: {"name": "李秀英"}})
    completed = complete_form(NEWBORN, EXAMPLE, TODAY, registers)
    assert completed.values["mailing_address"] == "青岛某路1号"
    assert completed.looked_up == ["mailing_address"]
    assert HOUSEHOLD in registers.asked


def test_an_entered_item_the_register_agrees_with_is_kept():
    registers = FakeRegisters({HOUSEHOLD: {"address": "北京某路2号"}, PERSON: {"name": "李秀英"}})
    completed = complete_form(NEWBORN, {**EXAMPLE, "mailing_address": " 北京某路2号 "}, TODAY, registers)
    assert completed.values["mailing_address"] == "北京某路2号" and completed.looked_up == []


def test_an_entered_item_the_register_holds_nothing_for_is_kept():
    completed = complete_form(NEWBORN, {**EXAMPLE, "mailing_address": "北京某路2号"}, TODAY, FakeRegisters({}))
    assert completed.values["mailing_address"] == "北京某路2号"


def test_an_entered_item_where_the_register_only_suggests_is_kept():
    """The household address is a suggestion of where to mail the card, not a fact to contradict."""
    registers = FakeRegisters({HOUSEHOLD: {"address": "青岛某路1号"}, PERSON: {"name": "李秀英"}})
    completed = complete_form(NEWBORN, {**EXAMPLE, "mailing_address": "北京某路2号"}, TODAY, registers)
    assert completed.values["mailing_address"] == "北京某路2号" and completed.looked_up == []


def test_an_entered_item_that_contradicts_the_register_is_refused_naming_it():
    registers = FakeRegisters({HOUSEHOLD: {"address": "青岛某路1号"}, PERSON: {"name": "李秀英"}})
    with pytest.raises(FormInvalid) as err:
        complete_form(NEWBORN, {**EXAMPLE, "mother_name": "王秀英"}, TODAY, registers)
    [error] = err.value.errors
    assert error.field == "form.mother_name"
    assert "differs from what civil_registration holds; leave it out" in error.description


def test_inf_entered_over_looked_up_contribution_years_is_refused():
    form = {"resident_id": "370202196603150134", "bank_account": "6222020200112233445", "contribution_years": "inf"}
    record = {("social_security", "contribution_record", form["resident_id"]): {"contribution_years": "30.0"},
              ("civil_registration", "person", form["resident_id"]): {"birth_date": "1966-03-15", "sex": "male"}}
    for entered in ("inf", "nan", "1e2", "３０", "61", "-1"):
        with pytest.raises(FormInvalid) as err:
            complete_form(RETIREMENT, {**form, "contribution_years": entered}, TODAY, FakeRegisters(record))
        assert [e.field for e in err.value.errors] == ["form.contribution_years"], entered
    with pytest.raises(FormInvalid) as err:
        complete_form(RETIREMENT, {**form, "contribution_years": "29"}, TODAY, FakeRegisters(record))
    assert "differs from what social_security holds" in err.value.errors[0].description
    completed = complete_form(RETIREMENT, {**form, "contribution_years": "30"}, TODAY, FakeRegisters(record))
    assert completed.values["contribution_years"] == "30"


def test_an_item_the_register_holds_nothing_for_is_asked_for():
    with pytest.raises(FormInvalid) as err:
        complete_form(NEWBORN, EXAMPLE, TODAY, FakeRegisters({PERSON: {"name": "李秀英"}}))
    [error] = err.value.errors
    assert error.field == "form.mailing_address" and "holds no record" in error.description \
        and "please enter it" in error.description


def test_a_register_that_cannot_be_asked_is_unavailable_naming_the_department_not_a_field_error():
    with pytest.raises(LookupUnavailable) as err:
        complete_form(NEWBORN, EXAMPLE, TODAY, FakeRegisters(None))
    assert str(err.value) == "civil_registration"


def test_field_errors_come_before_an_unavailable_register():
    with pytest.raises(FormInvalid) as err:
        complete_form(NEWBORN, {**EXAMPLE, "contact_phone": "12"}, TODAY, FakeRegisters(None))
    assert [e.field for e in err.value.errors] == ["form.contact_phone"]


def test_a_bad_key_is_reported_once_and_not_looked_up():
    registers = FakeRegisters({})
    with pytest.raises(FormInvalid) as err:
        complete_form(NEWBORN, {**EXAMPLE, "mother_id": "370202199205140023"}, TODAY, registers)
    assert [e.field for e in err.value.errors] == ["form.mother_id"]
    assert registers.asked == []


def test_the_bundle_counts_asked_and_looked_up_fields():
    assert "mailing_address" in NEWBORN.looked_up_fields and "mailing_address" not in NEWBORN.asked_fields
