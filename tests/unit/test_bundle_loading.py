import copy
import pytest
import yaml

from saga.adapters.bundle_files import load_bundles
from saga.domain.errors import BundleDefinitionError
from saga.domain.parser import parse_bundle
from tests.support.fakes import ROOT, shipped_catalogue

CATALOGUE = shipped_catalogue()
NEWBORN = yaml.safe_load((ROOT / "bundles" / "newborn.yaml").read_text(encoding="utf-8"))


def broken(change) -> str:
    data = copy.deepcopy(NEWBORN)
    change(data)
    with pytest.raises(BundleDefinitionError) as err:
        parse_bundle(data, "broken.yaml", CATALOGUE)
    assert str(err.value).startswith("broken.yaml: ")
    return str(err.value)


def test_the_newborn_bundle_loads_with_dependencies_from_its_references():
    bundle = load_bundles(ROOT / "bundles", CATALOGUE).get("newborn")
    order = list(bundle.steps)
    assert order.index("birth_certificate") < order.index("household_registration") < order.index("medical_insurance")
    assert bundle.steps["household_registration"].depends_on == ("birth_certificate",)
    assert bundle.steps["social_security_card"].depends_on == ("household_registration",)
    assert bundle.steps["birth_certificate"].depends_on == ()
    assert bundle.departments == ["civil_registration", "health", "medical_insurance", "social_security"]
    assert bundle.steps_using("mother_id") == ["birth_certificate", "household_registration", "medical_insurance"]


def test_an_unknown_department_is_named():
    message = broken(lambda d: d["steps"]["vaccination_record"].update(department="hospital"))
    assert "steps.vaccination_record.department: unknown department 'hospital'" in message


def test_an_unknown_action_is_named():
    message = broken(lambda d: d["steps"]["vaccination_record"].update(action="vaccinate"))
    assert "steps.vaccination_record.action: department health has no action 'vaccinate'" in message


def test_a_dependency_cycle_is_named():
    message = broken(lambda d: d["steps"]["birth_certificate"].update(after=["social_security_card"]))
    assert "dependency cycle" in message and "birth_certificate" in message


def test_an_input_from_a_missing_form_field_is_named():
    message = broken(lambda d: d["fields"].pop("birth_hospital"))
    assert "steps.birth_certificate.inputs.birth_hospital: no form field 'birth_hospital'" in message


def test_an_input_from_a_result_the_step_does_not_give_is_named():
    message = broken(lambda d: d["steps"]["medical_insurance"]["inputs"].update(child_id="household_registration.person_id"))
    assert "step 'household_registration' has no result 'person_id'" in message


def test_an_input_from_an_unknown_step_is_named():
    message = broken(lambda d: d["steps"]["medical_insurance"]["inputs"].update(child_id="registration.child_id"))
    assert "steps.medical_insurance.inputs.child_id: no step 'registration'" in message


def test_a_missing_required_input_is_named():
    message = broken(lambda d: d["steps"]["social_security_card"]["inputs"].pop("mailing_address"))
    assert "needs 'mailing_address', which is not given" in message


def test_a_required_input_fed_by_an_optional_field_is_named():
    message = broken(lambda d: d["fields"]["mailing_address"].update(required=False))
    assert "form field 'mailing_address' is optional" in message


def test_every_problem_is_listed_at_once():
    def two_problems(d):
        d["steps"]["vaccination_record"]["time_limit"] = "soon"
        d["fields"]["child_sex"].pop("options")
    message = broken(two_problems)
    assert "steps.vaccination_record.time_limit" in message and "fields.child_sex.options" in message


def test_a_broken_file_in_a_directory_names_the_file(tmp_path):
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(NEWBORN, allow_unicode=True), encoding="utf-8")
    bad = copy.deepcopy(NEWBORN)
    bad["id"] = "other"
    bad["steps"]["birth_certificate"]["department"] = "nowhere"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(BundleDefinitionError) as err:
        load_bundles(tmp_path, CATALOGUE)
    assert err.value.source == str(tmp_path / "bad.yaml")


def test_a_field_no_step_uses_is_named():
    message = broken(lambda d: d["fields"].update(shoe_size={"type": "text", "label": {"zh": "鞋码", "en": "Shoe size"}}))
    assert "fields.shoe_size: no step uses it" in message


@pytest.mark.parametrize("item", ["name", "description"])
def test_a_bundle_without_bilingual_text_is_named(item):
    message = broken(lambda d: d[item].pop("en"))
    assert f"{item}: needs zh and en text" in message


# -- who may apply, and what is personal ------------------------------------------------------------
def test_every_shipped_bundle_names_its_principals_as_resident_id_fields():
    bundles = load_bundles(ROOT / "bundles", CATALOGUE)
    assert {b.id: b.principals for b in bundles} == {
        "newborn": ("mother_id", "father_id"), "retirement": ("resident_id",), "startup": ("legal_rep_id",),
        "deregistration": ("legal_rep_id",), "deregistration_simplified": ("legal_rep_id",)}
    assert bundles.get("deregistration").fields["legal_rep_id"].lookup.value == "legal_rep_id", "the register's"


@pytest.mark.parametrize("principals, problem", [
    (None, "principals: a list of the form fields naming who may apply"),
    ([], "principals: a list of the form fields naming who may apply"),
    (["grandmother_id"], "principals: no form field 'grandmother_id'"),
    (["child_name"], "principals: child_name is a text field, not a resident_id"),
    (["mother_id", "mother_id"], "principals: a field is named twice"),
])
def test_a_bundle_without_proper_principals_is_refused(principals, problem):
    assert problem in broken(lambda d: d.update(principals=principals) if principals is not None
                             else d.pop("principals"))


def test_a_principal_field_needs_no_step_to_use_it():
    grandmother = {"type": "resident_id", "label": {"zh": "祖母", "en": "Grandmother"}}
    bundle = parse_bundle({**copy.deepcopy(NEWBORN), "principals": ["mother_id", "grandmother_id"],
                           "fields": {**NEWBORN["fields"], "grandmother_id": grandmother}}, "ok.yaml", CATALOGUE)
    assert bundle.principals == ("mother_id", "grandmother_id")


def test_personal_fields_are_those_of_a_personal_type_or_declared_personal():
    newborn = load_bundles(ROOT / "bundles", CATALOGUE).get("newborn")
    assert set(newborn.personal_fields) == {"mother_id", "mother_name", "father_id", "father_name", "child_name",
                                            "contact_phone", "mailing_address"}
    assert CATALOGUE.action("civil_registration", "register_birth").personal_outputs == {"household_address"}
