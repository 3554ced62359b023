"""容缺受理 on the coordinator's side (saga/domain/materials.py, saga/practices.py): the loader's
checks of a deferrable field; a Submit without it records the commitment and only the steps needing
it wait; Supplement (the applicant only, values checked as at Submit, nothing stored on error)
resumes them; a reminder halfway; past the deadline the waiting steps fail, what was done is undone
and the application ends REJECTED; every new event replays."""
import datetime as dt

import pytest
import yaml

from saga.domain.application import Application
from saga.domain.errors import BundleDefinitionError, FormInvalid, NotAwaited, NotVisible, PermissionDenied
from saga.domain.materials import Materials
from saga.domain.notices import NoticeKind, notice_of
from saga.domain.parser import parse_bundle
from saga.domain.statuses import ApplicationStatus, StepStatus
from saga.entrypoints.applications_api import application_message
from tests.support.fakes import MOTHER, ROOT, STARTUP_FORM, STRANGER, officer, shipped_catalogue

DEFERRED = {k: v for k, v in STARTUP_FORM.items() if k != "lease_contract_no"}
OUTPUTS = {"business_registration": {"credit_code": "91370202MA3C12345X", "licence_no": "370202000000001"},
           "seals": {"seal_set_no": "S1", "seal_count": "4", "fee_yuan": "0"},
           "tax_registration": {"taxpayer_no": "T1", "invoice_quota_yuan": "10000"},
           "social_insurance": {"social_insurance_employer_no": "SI1"},
           "medical_insurance": {"medical_insurance_employer_no": "MI1"},
           "housing_fund": {"housing_fund_account_no": "HF1"}}


def answer_all(coordinator, bus, application_id, completed=True):
    """Every command of the application sent and not yet answered, answered as done."""
    answered = 0
    for dispatch in list(bus.sent):
        if str(dispatch.application_id) == str(application_id):
            step = coordinator.read_application(application_id).steps[dispatch.step]
            if step.is_current(dispatch.command_id) or step.is_undo(dispatch.command_id):
                coordinator.record_result(application_id, dispatch.step, dispatch.command_id, completed,
                                          OUTPUTS.get(dispatch.step, {}) if not step.is_undo(dispatch.command_id)
                                          else {"withdrawn_credit_code": "x", "cancelled_seal_set_no": "x",
                                                "closed_employer_no": "x", "closed_account_no": "x"})
                answered += 1
    return answered


def startup_with(**changes):
    data = yaml.safe_load((ROOT / "bundles" / "startup.yaml").read_text(encoding="utf-8"))
    field = data["fields"]["lease_contract_no"]
    field.update(changes)
    return data


def test_the_loader_refuses_a_deadline_longer_than_a_step_needing_it_and_a_field_a_first_step_needs():
    catalogue = shipped_catalogue()
    assert parse_bundle(startup_with(), "startup.yaml", catalogue).fields["lease_contract_no"].deferrable == \
        dt.timedelta(days=3)
    with pytest.raises(BundleDefinitionError) as longer:
        parse_bundle(startup_with(deferrable={"within": "5d"}), "startup.yaml", catalogue)
    assert longer.value.problems == ["fields.lease_contract_no.deferrable.within: 5d is longer than the time limit "
                                     "of step tax_registration that needs it (3d)"]
    data = startup_with()
    data["fields"]["company_name"]["deferrable"] = {"within": "1h"}
    with pytest.raises(BundleDefinitionError) as first:
        parse_bundle(data, "startup.yaml", catalogue)
    assert any(p.startswith("fields.company_name.deferrable: step business_registration needs it and starts first")
               for p in first.value.problems)
    for bad in ({"within": "soon"}, "3d", {"within": "3d", "extra": 1}):
        with pytest.raises(BundleDefinitionError) as shape:
            parse_bundle(startup_with(deferrable=bad), "startup.yaml", catalogue)
        assert all(p.startswith("fields.lease_contract_no.deferrable") for p in shape.value.problems)
    with pytest.raises(BundleDefinitionError) as optional:
        parse_bundle(startup_with(required=False), "startup.yaml", catalogue)
    assert "only a required field" in optional.value.problems[0]


def test_a_material_left_out_is_a_commitment_the_steps_needing_it_wait_and_supplied_it_completes(coordinator, bus):
    application_id = coordinator.submit("startup", DEFERRED, caller=MOTHER)
    application = coordinator.read_application(application_id)
    assert application.commitment.fields == ["lease_contract_no"]
    assert application.commitment.steps == {"tax_registration": ["lease_contract_no"]}
    assert application.steps["tax_registration"].status == StepStatus.AWAITING_MATERIALS
    while answer_all(coordinator, bus, application_id):
        pass
    application = coordinator.read_application(application_id)
    assert application.status == ApplicationStatus.IN_PROGRESS
    assert [s.id for s in application.steps.values() if s.status != StepStatus.COMPLETED] == ["tax_registration"]
    assert application.awaited_fields() == {"lease_contract_no": "promised material"}
    supplied, _ = coordinator.supplement(application_id, {"lease_contract_no": " QD-ZL-2026-9 "}, caller=MOTHER)
    assert supplied.form["lease_contract_no"] == "QD-ZL-2026-9" and supplied.commitment.outstanding == []
    tax = next(d for d in reversed(bus.sent) if d.step == "tax_registration")
    assert tax.inputs["premises_proof_no"] == "QD-ZL-2026-9"
    answer_all(coordinator, bus, application_id)
    assert coordinator.read_application(application_id).status == ApplicationStatus.COMPLETED


def test_supplement_is_the_applicants_only_and_checks_its_values_as_submit_does(coordinator):
    application_id = coordinator.submit("startup", DEFERRED, caller=MOTHER)
    version = coordinator.read_application(application_id).version
    with pytest.raises(NotVisible):
        coordinator.supplement(application_id, {"lease_contract_no": "X1"}, caller=STRANGER)
    with pytest.raises(PermissionDenied):
        coordinator.supplement(application_id, {"lease_contract_no": "X1"}, caller=officer("tax"))
    with pytest.raises(FormInvalid) as invalid:
        coordinator.supplement(application_id, {"lease_contract_no": "x" * 65, "company_name": "别的", "nope": 1},
                               caller=MOTHER)
    assert {e.field for e in invalid.value.errors} == {"form.lease_contract_no", "form.company_name", "form.nope"}
    with pytest.raises(FormInvalid):
        coordinator.supplement(application_id, {}, caller=MOTHER)
    assert coordinator.read_application(application_id).version == version, "nothing stored"
    complete = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    with pytest.raises(NotAwaited):
        coordinator.supplement(complete, {"lease_contract_no": "X1"}, caller=MOTHER)


def test_a_reminder_halfway_and_past_the_deadline_the_waiting_steps_fail_and_what_was_done_is_undone(
        coordinator, bus, tick):
    application_id = coordinator.submit("startup", DEFERRED, caller=MOTHER)
    while answer_all(coordinator, bus, application_id):
        pass
    tick(days=1)
    assert coordinator.read_application(application_id).commitment.reminded_at is None
    tick(hours=12, seconds=1)
    application = coordinator.read_application(application_id)
    assert application.commitment.reminded_at is not None
    reminded = [e for e in coordinator.history(application_id) if isinstance(e, Materials.MaterialReminded)]
    assert notice_of(reminded[0], application).kind is NoticeKind.MATERIAL_DUE
    tick(days=1, hours=12)
    application = coordinator.read_application(application_id)
    assert application.status == ApplicationStatus.COMPENSATING
    assert application.steps["tax_registration"].status == StepStatus.FAILED
    while answer_all(coordinator, bus, application_id):
        pass
    application = coordinator.read_application(application_id)
    assert application.status == ApplicationStatus.REJECTED, application.reasons
    assert "material not supplied by the date promised" in application.reasons[0]
    assert application.steps["business_registration"].status == StepStatus.COMPENSATED
    assert tick(days=1) == 0, "no timer left behind"


def test_every_new_event_replays_and_the_message_shows_the_commitment(coordinator, bus, tick):
    application_id = coordinator.submit("startup", DEFERRED, caller=MOTHER)
    tick(days=2)
    coordinator.supplement(application_id, {"lease_contract_no": "QD-1"}, caller=MOTHER)
    events = coordinator.history(application_id)
    names = {type(e).__name__ for e in events}
    assert {"MaterialsCommitted", "MaterialReminded", "MaterialsSupplied"} <= names
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    current = coordinator.read_application(application_id)
    assert (replayed.commitment, replayed.form, replayed.steps) == (current.commitment, current.form, current.steps)
    message = application_message(current)
    [material] = message.materials
    assert (material.field, material.supplied, list(material.steps)) == ("lease_contract_no", True,
                                                                         ["tax_registration"])


def test_the_form_shows_a_deferrable_field(wiring):
    from saga.entrypoints.applications_api import form_field
    bundle = wiring.coordinator.bundle("startup")
    assert form_field(bundle.fields["lease_contract_no"], []).deferrable_within_hours == 72
    assert form_field(bundle.fields["company_name"], []).deferrable_within_hours == 0
