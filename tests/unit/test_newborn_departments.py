"""The newborn departments' rules, each over the in-memory register with a fixed date."""
import datetime as dt

import pytest

from lifeevents.identifiers import make_resident_id, parse_resident_id
from services.civil_registration.domain import CivilRegistration
from services.common.domain import Department, InMemoryRegister, Inputs, Refusal, UnknownAction
from services.common.seed import load_seed_file
from services.health.domain import Health
from services.medical_insurance.domain import MedicalInsurance
from services.social_security.domain import SocialSecurity

TODAY = dt.date(2026, 11, 22)
MOTHER, FATHER = "370202199205140022", "370202199003070011"
BIRTH = {"mother_id": MOTHER, "mother_name": "李秀英", "child_name": "王小禾", "child_sex": "female",
         "birth_date": "2026-11-18", "birth_hospital": "青岛市妇女儿童医院"}


def department(cls):
    return cls(InMemoryRegister(), today=lambda: TODAY)


@pytest.fixture
def health():
    return department(Health)


@pytest.fixture
def civil():
    civil = department(CivilRegistration)
    assert load_seed_file(civil) > 0
    return civil


def test_health_issues_a_certificate_and_refuses_the_same_child_again(health):
    first = health.handle("c1", "issue_birth_certificate", BIRTH)
    assert first.completed and first.outputs["birth_certificate_no"] == "Q260000001"
    again = health.handle("c2", "issue_birth_certificate", BIRTH)
    assert not again.completed and "Q260000001" in again.reason


@pytest.mark.parametrize("change, reason", [
    ({"mother_id": FATHER}, "belongs to a man"),
    ({"birth_date": "2026-11-23"}, "in the future"),
    ({"mother_id": "370202201505140025"}, "younger than 14"),
])
def test_health_refuses_impossible_births(health, change, reason):
    inputs = {**BIRTH, **change}
    if change.get("mother_id") == "370202201505140025":
        inputs["mother_id"] = make_resident_id("370202", dt.date(2015, 5, 14), 2)
    decision = health.handle("c", "issue_birth_certificate", inputs)
    assert not decision.completed and reason in decision.reason


def test_a_vaccination_record_needs_a_known_certificate_and_is_opened_once(health):
    number = health.handle("c1", "issue_birth_certificate", BIRTH).outputs["birth_certificate_no"]
    unknown = health.handle("c2", "open_vaccination_record", {"birth_certificate_no": "Q999", "child_name": "王小禾",
                                                              "birth_date": "2026-11-18"})
    assert not unknown.completed and "no birth certificate Q999" in unknown.reason
    inputs = {"birth_certificate_no": number, "child_name": "王小禾", "birth_date": "2026-11-18"}
    opened = health.handle("c3", "open_vaccination_record", inputs)
    assert opened.completed and opened.outputs["first_dose_due"] == "2026-11-18"
    assert len(health.vaccination_record(birth_certificate_no=number)["schedule"]) == 3
    assert not health.handle("c4", "open_vaccination_record", inputs).completed


def registration(**change):
    return {"birth_certificate_no": "Q260000001", "mother_id": MOTHER, "child_name": "王小禾", "child_sex": "female",
            "birth_date": "2026-11-18", **change}


def test_civil_registration_registers_the_child_in_the_mothers_household(civil):
    decision = civil.handle("c1", "register_birth", registration(father_id=FATHER))
    assert decision.completed and decision.outputs["household_no"] == "370202000101"
    child = parse_resident_id(decision.outputs["child_id"])
    assert (child.area_code, child.birth_date, child.sex) == ("370202", dt.date(2026, 11, 18), "female")
    assert decision.outputs["child_id"] in civil.household(member_id=MOTHER)["members"]
    boy = civil.handle("c2", "register_birth", registration(birth_certificate_no="Q2", child_name="王小川",
                                                            child_sex="male"))
    assert parse_resident_id(boy.outputs["child_id"]).sex == "male"


def test_civil_registration_refuses_unknown_parents_and_repeats(civil):
    stranger = make_resident_id("110105", dt.date(1990, 1, 1), 996)
    assert "not in the civil register" in civil.handle("c1", "register_birth", registration(mother_id=stranger)).reason
    assert "father" in civil.handle("c2", "register_birth", registration(father_id=stranger)).reason
    assert civil.handle("c3", "register_birth", registration()).completed
    assert "already registered" in civil.handle("c4", "register_birth", registration()).reason
    assert "already registered" in civil.handle("c5", "register_birth", registration(birth_certificate_no="Q7")).reason


def test_seed_loading_is_idempotent(civil):
    assert load_seed_file(civil) == 0
    assert civil.person("11010519491231002X")["sex"] == "female"


def test_a_department_without_a_seed_file_starts_empty(health):
    assert load_seed_file(health) == 0 and health.register.records == {}


def test_medical_insurance_covers_from_birth_within_ninety_days():
    insurance = department(MedicalInsurance)
    child = make_resident_id("370202", dt.date(2026, 11, 18), 2)
    inputs = {"child_id": child, "child_name": "王小禾", "birth_date": "2026-11-18", "guardian_id": MOTHER}
    decision = insurance.handle("c1", "enrol_newborn", inputs)
    assert decision.completed and decision.outputs["coverage_start"] == "2026-11-18"
    assert "already insured" in insurance.handle("c2", "enrol_newborn", inputs).reason
    late = make_resident_id("370202", dt.date(2026, 6, 1), 4)
    later = insurance.handle("c3", "enrol_newborn", {**inputs, "child_id": late, "birth_date": "2026-06-01"})
    assert later.outputs["coverage_start"] == TODAY.isoformat()
    mismatch = insurance.handle("c4", "enrol_newborn", {**inputs, "child_id": late, "birth_date": "2026-06-02"})
    assert "says born 2026-06-01" in mismatch.reason


def test_social_security_issues_one_card_per_person():
    social = department(SocialSecurity)
    inputs = {"child_id": make_resident_id("370202", dt.date(2026, 11, 18), 2), "child_name": "王小禾",
              "mailing_address": "山东省青岛市市南区香港中路10号"}
    assert social.handle("c1", "apply_card", inputs).outputs == {"card_no": "S00000001"}
    assert "already has social security card S00000001" in social.handle("c2", "apply_card", inputs).reason


def test_a_repeated_command_is_answered_the_same_with_one_effect(health):
    first = health.handle("same", "issue_birth_certificate", BIRTH)
    assert health.handle("same", "issue_birth_certificate", BIRTH) == first
    assert len(health.register.all("birth_certificate")) == 1


def test_an_unknown_action_is_a_fault_not_a_refusal(health):
    with pytest.raises(UnknownAction):
        health.handle("c", "perform_surgery", {})


def test_a_refusal_undoes_what_the_action_wrote():
    class Careless(Department):
        name, actions = "careless", ("write_then_refuse",)

        def write_then_refuse(self, inputs: Inputs, today):
            self.register.put("thing", "1", {"written": True})
            raise Refusal("changed my mind")

    careless = department(Careless)
    decision = careless.handle("c1", "write_then_refuse", {})
    assert (decision.completed, decision.reason) == (False, "changed my mind")
    assert careless.register.get("thing", "1") is None
    assert careless.register.get("command", "c1")["reason"] == "changed my mind"
