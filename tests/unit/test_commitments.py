"""告知承诺 on the aggregate, with the coordinator as production wires it (fakes behind its ports):
the commitment accepted on the form and recorded, its verification sent by a durable timer, a kept
one verified, a broken one compensated and REVOKED even after completion, its register record sent,
an officer's finding allowed and refused, and every new event replayed."""
import datetime as dt

import pytest

from saga.adapters.timers import COMMITMENT, COMMITMENT_RECORD
from saga.domain.commitments import Commitments
from saga.domain.errors import CommitmentNotOpen, FormInvalid, InvalidRequest, PermissionDenied
from tests.support.fakes import START, XINING_LEGAL_REP, officer, shipped_catalogue

FORM = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354", "reason": "business_ended",
        "commitment.no_debts": "accepted"}
VERIFY, RECORD = "commitment.no_debts.verify", "commitment.no_debts.record"
CATALOGUE = shipped_catalogue()


def answer_everything(coordinator, bus, application_id, answered: set[str]) -> None:
    """Answer every command sent and not answered yet (a step's with its declared results), then any it unblocks."""
    while pending := [d for d in bus.sent if d.command_id not in answered and not d.step.startswith("commitment.")]:
        for dispatch in pending:
            answered.add(dispatch.command_id)
            outputs = {name: "x" for name in CATALOGUE.action(dispatch.department, dispatch.action).outputs}
            coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, outputs)
        if coordinator.get_application(application_id).steps["notice_period"].status == "WAITING":
            coordinator.clock.advance(days=20)
            coordinator.end_wait(application_id, "notice_period")


@pytest.fixture
def completed(coordinator, bus):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    answer_everything(coordinator, bus, application_id, set())
    assert coordinator.get_application(application_id).status == "COMPLETED"
    return application_id


def sent(bus, step):
    return [d for d in bus.sent if d.step == step]


def answer(coordinator, application_id, dispatch, completed=True, reason="", **outputs):
    from saga.domain.ports import Outcome, StepAnswer
    return coordinator.record_results([StepAnswer(str(application_id), dispatch.step, dispatch.command_id, completed,
                                                  outputs, reason, department=dispatch.department,
                                                  outcome=Outcome.COMPLETED if completed else Outcome.REJECTED)])[0]


def test_a_form_that_does_not_accept_the_commitment_is_refused_naming_it(coordinator, bus):
    for value in (None, "yes"):
        form = {**FORM, "commitment.no_debts": value} if value else {k: v for k, v in FORM.items()
                                                                     if not k.startswith("commitment.")}
        with pytest.raises(FormInvalid) as refused:
            coordinator.submit("deregistration_simplified", form, caller=XINING_LEGAL_REP)
        assert [e.field for e in refused.value.errors] == ["form.commitment.no_debts"]
    assert bus.sent == []


def test_the_commitment_is_recorded_at_submission_and_not_stored_in_the_form(coordinator, bus):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    application = coordinator.get_application(application_id)
    state = application.commitments["no_debts"]
    assert state.status == "MADE" and state.verify_at == START + dt.timedelta(days=30)
    assert "commitment.no_debts" not in application.form
    assert [d.step for d in bus.sent] == ["public_notice"], "the steps go ahead"


def test_the_verification_is_sent_by_its_timer_after_thirty_days_even_once_completed(coordinator, bus, clock,
                                                                                    scheduler, completed):
    scheduler.tick()
    assert scheduler.index.view.count(COMMITMENT) == 1, "completion keeps the commitment's timer"
    clock.now = START + dt.timedelta(days=29, hours=23)
    assert scheduler.tick() == 0 and not sent(bus, VERIFY)
    clock.now = START + dt.timedelta(days=30)
    assert scheduler.tick() == 1
    [verify] = sent(bus, VERIFY)
    assert (verify.department, verify.action, verify.inputs) == ("market_regulation", "verify_no_debts",
                                                                 {"credit_code": "91630102900000030K"})
    clock.now += dt.timedelta(hours=1)
    assert scheduler.tick() == 1, "unanswered, it is sent again"
    again = sent(bus, VERIFY)[-1]
    assert again.command_id == verify.command_id, "under the same id: the department answers it once"


def test_a_kept_commitment_is_verified_and_the_application_stays_completed(coordinator, bus, clock, scheduler,
                                                                           completed):
    clock.now = START + dt.timedelta(days=30)
    scheduler.tick()
    [verify] = sent(bus, VERIFY)
    assert answer(coordinator, completed, verify, commitment_holds="true", finding="no claim")
    application = coordinator.get_application(completed)
    assert application.status == "COMPLETED" and application.commitments["no_debts"].status == "VERIFIED"
    assert not answer(coordinator, completed, verify, commitment_holds="false", finding="late"), "a duplicate"
    scheduler.tick()
    assert scheduler.index.view.count(COMMITMENT) == 0


def test_a_broken_commitment_compensates_what_it_allowed_records_it_and_revokes(coordinator, bus, clock, scheduler,
                                                                                completed):
    clock.now = START + dt.timedelta(days=30)
    scheduler.tick()
    [verify] = sent(bus, VERIFY)
    answer(coordinator, completed, verify, commitment_holds="false", finding="2 unpaid claim(s)")
    application = coordinator.get_application(completed)
    assert application.status == "COMPENSATING" and application.commitments["no_debts"].status == "BROKEN"
    [record] = sent(bus, RECORD)
    assert record.action == "record_broken_commitment" and record.inputs["commitment"] == "no_debts"
    assert "2 unpaid claim(s)" in record.inputs["finding"]
    undos = [d for d in bus.sent if d.action in ("restore_registration", "reopen_employer")]
    assert [d.action for d in undos] == ["restore_registration"], "the latest first"
    while undos := [d for d in bus.sent if d.action in ("restore_registration", "reopen_employer")
                    and coordinator.get_application(completed).steps[d.step].status == "COMPENSATING"]:
        for undo in undos:
            answer(coordinator, completed, undo, **{o: "x" for o in CATALOGUE.action(undo.department,
                                                                                       undo.action).outputs})
    application = coordinator.get_application(completed)
    assert application.status == "REVOKED" and "commitment no_debts found false by market_regulation" in \
        application.reasons[0]
    assert application.steps["registration_cancellation"].status == "COMPENSATED"
    scheduler.tick()
    assert scheduler.index.view.count(COMMITMENT_RECORD) == 1, "the record is still chased after the end"
    answer(coordinator, completed, record, record_no="BC1")
    assert coordinator.get_application(completed).commitments["no_debts"].record.answered
    scheduler.tick()
    assert scheduler.index.view.count(COMMITMENT_RECORD) == 0


def test_a_refusal_to_verify_leaves_it_to_an_officer(coordinator, bus, clock, scheduler, completed):
    clock.now = START + dt.timedelta(days=30)
    scheduler.tick()
    [verify] = sent(bus, VERIFY)
    answer(coordinator, completed, verify, completed=False, reason="register unavailable for this company")
    state = coordinator.get_application(completed).commitments["no_debts"]
    assert state.status == "VERIFYING" and state.refusals == ["register unavailable for this company"]
    application = coordinator.record_finding(completed, "no_debts", True, "checked the court records",
                                             caller=officer("market_regulation", "mr-officer-2"))
    assert application.commitments["no_debts"].status == "VERIFIED"
    assert application.commitments["no_debts"].found_by == "mr-officer-2"


def test_an_officers_finding_of_a_false_commitment_revokes_a_running_application(coordinator, bus):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    application = coordinator.record_finding(application_id, "no_debts", False, "a creditor's claim of 9000 yuan",
                                             caller=officer("market_regulation"))
    assert application.status == "REVOKED", "nothing it allowed was done yet: revoked at once"
    assert "officer officer-1" in application.reasons[0] and sent(bus, RECORD)
    with pytest.raises(CommitmentNotOpen):
        coordinator.record_finding(application_id, "no_debts", True, "again", caller=officer("market_regulation"))


@pytest.mark.parametrize("caller", [officer("tax"), officer("front_desk"), XINING_LEGAL_REP])
def test_only_an_officer_of_the_verifying_department_records_a_finding(coordinator, caller):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    with pytest.raises(PermissionDenied):
        coordinator.record_finding(application_id, "no_debts", False, "found", caller=caller)
    assert coordinator.get_application(application_id).commitments["no_debts"].status == "MADE"


def test_a_finding_names_an_existing_commitment_and_says_something(coordinator):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    with pytest.raises(CommitmentNotOpen):
        coordinator.record_finding(application_id, "no_such", False, "found", caller=officer("market_regulation"))
    with pytest.raises(InvalidRequest):
        coordinator.record_finding(application_id, "no_debts", False, " ", caller=officer("market_regulation"))


def test_every_new_event_replays_to_the_same_state(coordinator, bus, clock, scheduler, completed):
    clock.now = START + dt.timedelta(days=30)
    scheduler.tick()
    [verify] = sent(bus, VERIFY)
    answer(coordinator, completed, verify, completed=False, reason="not now")
    coordinator.record_finding(completed, "no_debts", False, "claims found", caller=officer("market_regulation"))
    answer(coordinator, completed, sent(bus, RECORD)[0], record_no="BC1")
    live = coordinator.get_application(completed)
    kinds = {type(e).__name__ for e in coordinator.events.get(completed)}
    assert {"CommitmentMade", "CommitmentCommandSent", "VerificationRefused", "CommitmentBroken",
            "CommitmentRecorded", "CompensationStarted"} <= kinds
    replayed = None
    for event in coordinator.events.get(completed):
        replayed = event.mutate(replayed)
    assert replayed.commitments == live.commitments and replayed.status == live.status
    assert all(isinstance(e, Commitments.Event) for e in coordinator.events.get(completed)
               if type(e).__name__.startswith("Commitment"))
