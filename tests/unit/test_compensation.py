"""Compensation: when a step is refused, completed steps that declare an undo are undone one at a
time, latest in the plan first, each recorded; then the application ends REJECTED."""
from saga.domain.application import Application
from saga.domain.compensation import Compensation
from tests.support.fakes import MOTHER, STARTUP_FORM as STARTUP

CODE = "91370202000000019Q"


def answer(coordinator, application_id, dispatch, completed=True, **outputs):
    coordinator.record_result(application_id, dispatch.step, dispatch.command_id, completed, outputs,
                              "" if completed else "refused")


def registered(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    answer(coordinator, application_id, registration, credit_code=CODE, licence_no="1")
    return application_id, {d.step: d for d in bus.sent[1:]}


def test_a_refusal_after_registration_undoes_the_seals_then_the_registration(coordinator, bus):
    application_id, parallel = registered(coordinator, bus)
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    for step in ("social_insurance", "medical_insurance", "housing_fund"):
        answer(coordinator, application_id, parallel[step], **{
            "social_insurance": {"social_insurance_employer_no": "SB1"},
            "medical_insurance": {"medical_insurance_employer_no": "YB1"},
            "housing_fund": {"housing_fund_account_no": "GJJ1"}}[step])
    answer(coordinator, application_id, parallel["tax_registration"], completed=False)

    undo_order = []
    while (application := coordinator.get_application(application_id)).status == "COMPENSATING":
        undo = bus.sent[-1]
        assert undo.step not in undo_order
        undo_order.append(undo.step)
        answer(coordinator, application_id, undo, ok="1")
    assert undo_order == ["housing_fund", "medical_insurance", "social_insurance", "seals", "business_registration"]
    assert {d.action for d in bus.sent[-5:]} == {"close_employer", "cancel_seals", "withdraw_registration"}
    assert bus.sent[-1].inputs == {"credit_code": CODE, "legal_rep_id": STARTUP["legal_rep_id"]}
    assert application.status == "REJECTED" and application.reasons == ["tax_registration (tax): refused"]
    assert {s.id: s.status for s in application.steps.values()} == {
        "business_registration": "COMPENSATED", "seals": "COMPENSATED", "tax_registration": "REJECTED",
        "social_insurance": "COMPENSATED", "medical_insurance": "COMPENSATED", "housing_fund": "COMPENSATED"}
    history = coordinator.history(application_id)
    assert sum(isinstance(e, Compensation.StepCompensated) for e in history) == 5
    assert isinstance(history[-1], Application.Rejected)


def test_a_step_still_in_flight_at_the_refusal_is_undone_when_it_completes(coordinator, bus):
    application_id, parallel = registered(coordinator, bus)
    answer(coordinator, application_id, parallel["tax_registration"], completed=False)
    # registration is undone only after the in-flight steps that might need undoing have answered
    assert coordinator.get_application(application_id).status == "COMPENSATING"
    assert len(bus.sent) == 6
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    assert bus.sent[-1].action == "cancel_seals"
    answer(coordinator, application_id, bus.sent[-1], ok="1")
    for step in ("social_insurance", "medical_insurance", "housing_fund"):
        answer(coordinator, application_id, parallel[step], completed=False)
    assert bus.sent[-1].action == "withdraw_registration"
    answer(coordinator, application_id, bus.sent[-1], ok="1")
    assert coordinator.get_application(application_id).status == "REJECTED"


def test_a_refused_undo_is_reported_and_the_rest_still_undone(coordinator, bus):
    application_id, parallel = registered(coordinator, bus)
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    for step in ("social_insurance", "medical_insurance", "housing_fund", "tax_registration"):
        answer(coordinator, application_id, parallel[step], completed=False)
    cancel_seals = bus.sent[-1]
    coordinator.record_result(application_id, "seals", cancel_seals.command_id, False, {}, "seals already handed over")
    answer(coordinator, application_id, bus.sent[-1], ok="1")
    application = coordinator.get_application(application_id)
    assert application.status == "REJECTED"
    assert application.steps["seals"].status == "COMPLETED"
    assert "could not undo seals: seals already handed over" in application.reasons


def test_nothing_to_undo_rejects_at_once(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    answer(coordinator, application_id, registration, completed=False)
    assert coordinator.get_application(application_id).status == "REJECTED"
    assert len(bus.sent) == 1
