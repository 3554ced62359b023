"""Compensation: when a step is refused, completed steps that declare an undo are undone one at a
time, latest in the plan first, each recorded; then the application ends REJECTED."""
import datetime as dt

import pytest

from saga.coordinator import Coordinator
from tests.support.fakes import RecordingBus, shipped_bundles

BUNDLES = shipped_bundles()
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)
STARTUP = {"company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
           "registered_address": "青岛", "registered_capital": "300000", "legal_rep_id": "370202199205140022",
           "legal_rep_name": "李秀英"}
CODE = "91370202000000019Q"


@pytest.fixture
def coordinator():
    app = Coordinator(BUNDLES, RecordingBus(), clock=lambda: NOW, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def answer(coordinator, application_id, dispatch, completed=True, **outputs):
    coordinator.record_result(application_id, dispatch.step, dispatch.command_id, completed, outputs,
                              "" if completed else "refused")


def registered(coordinator):
    application_id = coordinator.submit("startup", STARTUP)
    [registration] = coordinator.bus.sent
    answer(coordinator, application_id, registration, credit_code=CODE, licence_no="1")
    return application_id, {d.step: d for d in coordinator.bus.sent[1:]}


def test_a_refusal_after_registration_undoes_the_seals_then_the_registration(coordinator):
    application_id, parallel = registered(coordinator)
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    for step in ("social_insurance", "medical_insurance", "housing_fund"):
        answer(coordinator, application_id, parallel[step], **{
            "social_insurance": {"social_insurance_employer_no": "SB1"},
            "medical_insurance": {"medical_insurance_employer_no": "YB1"},
            "housing_fund": {"housing_fund_account_no": "GJJ1"}}[step])
    answer(coordinator, application_id, parallel["tax_registration"], completed=False)

    undo_order = []
    while (application := coordinator.get_application(application_id)).status == "COMPENSATING":
        undo = coordinator.bus.sent[-1]
        assert undo.step not in undo_order
        undo_order.append(undo.step)
        answer(coordinator, application_id, undo, ok="1")
    assert undo_order == ["housing_fund", "medical_insurance", "social_insurance", "seals", "business_registration"]
    assert {d.action for d in coordinator.bus.sent[-5:]} == {"close_employer", "cancel_seals", "withdraw_registration"}
    assert coordinator.bus.sent[-1].inputs == {"credit_code": CODE, "legal_rep_id": STARTUP["legal_rep_id"]}
    assert application.status == "REJECTED" and application.reasons == ["tax_registration (tax): refused"]
    assert {s.id: s.status for s in application.steps.values()} == {
        "business_registration": "COMPENSATED", "seals": "COMPENSATED", "tax_registration": "REJECTED",
        "social_insurance": "COMPENSATED", "medical_insurance": "COMPENSATED", "housing_fund": "COMPENSATED"}
    kinds = [type(e).__name__ for e in coordinator.history(application_id)]
    assert kinds.count("StepCompensated") == 5 and kinds[-1] == "Rejected"


def test_a_step_still_in_flight_at_the_refusal_is_undone_when_it_completes(coordinator):
    application_id, parallel = registered(coordinator)
    answer(coordinator, application_id, parallel["tax_registration"], completed=False)
    # registration is undone only after the in-flight steps that might need undoing have answered
    assert coordinator.get_application(application_id).status == "COMPENSATING"
    assert len(coordinator.bus.sent) == 6
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    assert coordinator.bus.sent[-1].action == "cancel_seals"
    answer(coordinator, application_id, coordinator.bus.sent[-1], ok="1")
    for step in ("social_insurance", "medical_insurance", "housing_fund"):
        answer(coordinator, application_id, parallel[step], completed=False)
    assert coordinator.bus.sent[-1].action == "withdraw_registration"
    answer(coordinator, application_id, coordinator.bus.sent[-1], ok="1")
    assert coordinator.get_application(application_id).status == "REJECTED"


def test_a_refused_undo_is_reported_and_the_rest_still_undone(coordinator):
    application_id, parallel = registered(coordinator)
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    for step in ("social_insurance", "medical_insurance", "housing_fund", "tax_registration"):
        answer(coordinator, application_id, parallel[step], completed=False)
    cancel_seals = coordinator.bus.sent[-1]
    coordinator.record_result(application_id, "seals", cancel_seals.command_id, False, {}, "seals already handed over")
    answer(coordinator, application_id, coordinator.bus.sent[-1], ok="1")
    application = coordinator.get_application(application_id)
    assert application.status == "REJECTED"
    assert application.steps["seals"].status == "COMPLETED"
    assert "could not undo seals: seals already handed over" in application.reasons


def test_nothing_to_undo_rejects_at_once(coordinator):
    application_id = coordinator.submit("startup", STARTUP)
    [registration] = coordinator.bus.sent
    answer(coordinator, application_id, registration, completed=False)
    assert coordinator.get_application(application_id).status == "REJECTED"
    assert len(coordinator.bus.sent) == 1
