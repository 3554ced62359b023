"""Completing a form from department registers: looked up when left out, asked for when missing."""
import datetime as dt
import json

import pytest

from saga.domain.errors import FormInvalid, LookupUnavailable
from saga.domain.forms import complete_form
from tests.support.fakes import ROOT, shipped_bundles

NEWBORN = shipped_bundles().get("newborn")
EXAMPLE = {**json.loads((ROOT / "bundles" / "examples" / "newborn.json").read_text(encoding="utf-8")),
           "mother_name": "李秀英"}
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
    registers = FakeRegisters({("civil_registration", "household_of", EXAMPLE["mother_id"]): {"address": "青岛某路1号"}})
    completed = complete_form(NEWBORN, EXAMPLE, TODAY, registers)
    assert completed.values["mailing_address"] == "青岛某路1号"
    assert completed.looked_up == ["mailing_address"]
    assert registers.asked == [("civil_registration", "household_of", EXAMPLE["mother_id"])]


def test_an_entered_item_is_kept_and_nothing_is_asked():
    registers = FakeRegisters({})
    completed = complete_form(NEWBORN, {**EXAMPLE, "mailing_address": "北京某路2号"}, TODAY, registers)
    assert completed.values["mailing_address"] == "北京某路2号" and completed.looked_up == []
    assert registers.asked == []


@pytest.mark.parametrize("records, words", [({}, "holds no record"), (None, "could not be asked")])
def test_an_item_the_register_cannot_give_is_asked_for(records, words):
    with pytest.raises(FormInvalid) as err:
        complete_form(NEWBORN, EXAMPLE, TODAY, FakeRegisters(records))
    [error] = err.value.errors
    assert error.field == "form.mailing_address" and words in error.description and "please enter it" in error.description


def test_a_bad_key_is_reported_once_and_not_looked_up():
    registers = FakeRegisters({})
    with pytest.raises(FormInvalid) as err:
        complete_form(NEWBORN, {**EXAMPLE, "mother_id": "370202199205140023"}, TODAY, registers)
    assert [e.field for e in err.value.errors] == ["form.mother_id"]
    assert registers.asked == []


def test_the_bundle_counts_asked_and_looked_up_fields():
    assert "mailing_address" in NEWBORN.looked_up_fields and "mailing_address" not in NEWBORN.asked_fields
