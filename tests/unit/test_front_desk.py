"""前台受理 on the coordinator's side (saga/domain/front_desk.py, saga/practices.py): a bundle accepted at
the front desk starts no step at Submit; only a front-desk officer lists the queue, accepts or returns
(a reason per form field, typed errors otherwise); the applicant's correction puts it back in the
queue; the time with the applicant moves the application's due date, and a step an officer returned
keeps what was left of its time limit; every new event replays and is told to the applicant."""
import datetime as dt

import pytest

from lifeevents.callers import Principal, Role
from saga.domain.errors import FormInvalid, InvalidRequest, NotAwaited, NotVisible, PermissionDenied
from saga.domain.front_desk import FrontDesk
from saga.domain.notices import NoticeKind, notice_of
from saga.domain.ports import Outcome, StepAnswer
from saga.domain.statuses import ApplicationStatus, StepStatus
from saga.entrypoints.applications_api import application_message
from tests.support.fakes import MOTHER, STRANGER, officer
from tests.unit.test_officer_review import SPECIAL, RETIREE

LEGAL_REP = Principal("370202199003070011", Role.CITIZEN)
FORM = {"credit_code": "91370202900000014F", "reason": "business_ended"}
DESK = officer("front_desk", "fd-0001")


@pytest.fixture
def queries(wiring):
    return wiring.queries


def test_a_front_desk_bundle_waits_in_the_queue_and_starts_only_once_accepted(coordinator, bus, queries, tick):
    application_id = coordinator.submit("deregistration", FORM, caller=LEGAL_REP)
    application = coordinator.read_application(application_id)
    assert application.status == ApplicationStatus.AWAITING_ACCEPTANCE and not bus.sent
    tick()  # the read models follow the log
    queued, total = coordinator.front_desk_queue(queries, "", 50, 0, caller=DESK)
    assert [a.id for a in queued] == [application_id] and total == 1
    for someone in (LEGAL_REP, officer("tax"), Principal("ops-1", Role.OPERATOR)):
        with pytest.raises(PermissionDenied):
            coordinator.front_desk_queue(queries, "", 50, 0, caller=someone)
        with pytest.raises(PermissionDenied):
            coordinator.accept(application_id, caller=someone)
    accepted = coordinator.accept(application_id, caller=DESK)
    assert accepted.status == ApplicationStatus.IN_PROGRESS and accepted.acceptance.accepted_by == "fd-0001"
    assert {d.step for d in bus.sent} >= {"tax_clearance"}
    with pytest.raises(NotAwaited):
        coordinator.accept(application_id, caller=DESK)
    tick()
    assert coordinator.front_desk_queue(queries, "", 50, 0, caller=DESK)[1] == 0


def test_returned_with_a_reason_per_field_corrected_back_in_the_queue_and_the_time_limit_paused(
        coordinator, clock, queries, tick):
    application_id = coordinator.submit("deregistration", FORM, caller=LEGAL_REP)
    due = coordinator.read_application(application_id).due_at
    with pytest.raises(FormInvalid) as bad:
        coordinator.return_case(application_id, {"nope": "x", "reason": " "}, caller=DESK)
    assert {e.field for e in bad.value.errors} == {"reasons[nope]", "reasons[reason]"}
    with pytest.raises(InvalidRequest):
        coordinator.return_case(application_id, {}, caller=DESK)
    returned = coordinator.return_case(application_id, {"reason": "请选择股东会决议并附决议编号"}, caller=DESK)
    assert returned.status == ApplicationStatus.RETURNED
    assert returned.awaited_fields() == {"reason": "returned by the front desk"}
    event = coordinator.history(application_id)[-1]
    assert isinstance(event, FrontDesk.ReturnedForCorrection)
    assert notice_of(event, returned).kind is NoticeKind.CASE_RETURNED
    with pytest.raises(NotAwaited):
        coordinator.accept(application_id, caller=DESK)
    with pytest.raises(NotVisible):
        coordinator.supplement(application_id, {"reason": "shareholders_resolution"}, caller=STRANGER)
    with pytest.raises(PermissionDenied):
        coordinator.supplement(application_id, {"reason": "shareholders_resolution"}, caller=DESK)
    with pytest.raises(FormInvalid):
        coordinator.supplement(application_id, {"reason": "bankrupt"}, caller=LEGAL_REP)
    clock.advance(days=3)
    corrected, _ = coordinator.supplement(application_id, {"reason": "shareholders_resolution"}, caller=LEGAL_REP)
    assert corrected.status == ApplicationStatus.AWAITING_ACCEPTANCE and corrected.form["reason"] == \
        "shareholders_resolution"
    assert corrected.paused_s == dt.timedelta(days=3).total_seconds() and corrected.due_at == due + dt.timedelta(days=3)
    message = application_message(corrected)
    assert message.paused_hours == 72 and message.due_at.ToDatetime(dt.timezone.utc) == due + dt.timedelta(days=3)
    tick()
    assert coordinator.front_desk_queue(queries, "deregistration", 50, 0, caller=DESK)[0][0].acceptance.returns == 1
    replayed = None
    for e in coordinator.history(application_id):
        replayed = e.mutate(replayed)
    assert (replayed.status, replayed.paused_s, replayed.acceptance) == (corrected.status, corrected.paused_s,
                                                                           corrected.acceptance)


def test_a_step_an_officer_returned_keeps_what_was_left_of_its_time_limit(coordinator, bus, clock):
    application_id = coordinator.submit("retirement", SPECIAL, caller=RETIREE)
    dispatch = next(d for d in bus.sent if d.step == "retirement_approval")
    first_due = coordinator.read_application(application_id).steps["retirement_approval"].due_at
    clock.advance(days=1)
    coordinator.record_results([StepAnswer(str(application_id), dispatch.step, dispatch.command_id, False, {},
                                           department="social_security", outcome=Outcome.RETURNED,
                                           decided_by="ss-1", returned={"post_type": "请核对工种"})])
    application = coordinator.read_application(application_id)
    assert application.awaited_fields() == {"post_type": "returned by social_security"}
    returned_event = coordinator.history(application_id)[-1]
    assert notice_of(returned_event, application).kind is NoticeKind.CASE_RETURNED
    clock.advance(days=2)
    coordinator.supplement(application_id, {"post_type": "production"}, caller=RETIREE)
    application = coordinator.read_application(application_id)
    step = application.steps["retirement_approval"]
    assert step.status == StepStatus.DISPATCHED and step.sent_inputs["post_type"] == "production"
    assert step.due_at == first_due + dt.timedelta(days=2)
    assert application.paused_s == dt.timedelta(days=2).total_seconds()
