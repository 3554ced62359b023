"""The fault and scale suites' count of what the registers hold (tests/support/registers.py)."""
from tests.support.registers import RegisterEffects

HELD = {
    ("health", "birth_certificate"): [{"child_name": "王小明"}, {"child_name": "王小明"}],
    ("health", "vaccination_record"): [{"child_name": "王小明"}],
    ("civil_registration", "person"): [{"name": "王小明", "relation": "child"}, {"name": "王芳", "relation": "self"}],
    ("medical_insurance", "enrolment"): [{"name": "王小明"}],
    ("social_security", "card"): [{"name": "王小明"}],
    ("market_regulation", "company"): [{"name": "青岛某科技有限公司"}],
}


def records(department, kind):
    return HELD.get((department, kind), [])


def test_a_name_held_twice_is_one_duplicate():
    assert RegisterEffects(records).duplicates == 1


def test_a_completed_application_lacks_an_effect_only_when_a_register_has_none_for_its_name():
    effects = RegisterEffects(records)
    assert not effects.lacks("newborn", {"child_name": "王小明"})
    assert effects.lacks("newborn", {"child_name": "李小红"})
    assert not effects.lacks("startup", {"company_name": "青岛某科技有限公司"})
    assert effects.lacks("startup", {"company_name": "另一家公司"})
    assert not effects.lacks("deregistration", {})
