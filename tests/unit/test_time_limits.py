"""Time limits and lost replies: an unanswered step is re-sent with backoff (same command id) and
flagged overdue once its promised limit has run out; an answer ends the chase."""
import datetime as dt

import pytest

from saga.adapters.timers import CHASE, TimerIndex, WaitScheduler
from saga.coordinator import Coordinator
from tests.support.clients import newborn_form
from tests.support.fakes import START
from tests.support.fakes import RecordingBus, SteppingClock, shipped_bundles

BUNDLES = shipped_bundles()


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def coordinator(clock):
    app = Coordinator(BUNDLES, RecordingBus(), clock=clock, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


@pytest.fixture
def scheduler(coordinator, clock, tmp_path):
    return WaitScheduler(coordinator, TimerIndex(tmp_path / "timers.sqlite"), clock)


def tick(scheduler, clock, **delta):
    clock.now += dt.timedelta(**delta)
    scheduler.follow()
    fired = scheduler.fire_due()
    scheduler.follow()
    return fired


def test_a_lost_reply_is_re_sent_with_the_same_id_at_doubling_intervals(coordinator, scheduler, clock):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    [first] = coordinator.bus.sent
    assert tick(scheduler, clock, seconds=29) == 0
    assert tick(scheduler, clock, seconds=1) == 1                      # 30 s: first re-send
    assert tick(scheduler, clock, seconds=59) == 0
    assert tick(scheduler, clock, seconds=1) == 1                      # then 60 s later
    assert tick(scheduler, clock, seconds=120) == 1                    # then 120 s later
    resent = coordinator.bus.sent[1:]
    assert len(resent) == 3 and {d.command_id for d in resent} == {first.command_id}
    assert coordinator.get_application(application_id).steps["birth_certificate"].sends == 4


def test_the_interval_doubles_up_to_its_cap(coordinator, scheduler, clock):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    for _ in range(7):
        tick(scheduler, clock, minutes=10)
    resends = [e for e in coordinator.history(application_id) if type(e).__name__ == "CommandResent"]
    intervals = [(e.next_resend_at - e.at).total_seconds() for e in resends]
    assert intervals == [60, 120, 240, 480, 600, 600, 600]


def test_a_step_past_its_time_limit_is_flagged_once(coordinator, scheduler, clock):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    tick(scheduler, clock, hours=23, minutes=59)
    assert coordinator.get_application(application_id).steps["birth_certificate"].overdue_since is None
    tick(scheduler, clock, minutes=1)
    tick(scheduler, clock, hours=2)
    step = coordinator.get_application(application_id).steps["birth_certificate"]
    assert step.overdue_since == START + dt.timedelta(days=1)
    kinds = [type(e).__name__ for e in coordinator.history(application_id)]
    assert kinds.count("StepOverdue") == 1


def test_an_answer_ends_the_chase(coordinator, scheduler, clock):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    [first] = coordinator.bus.sent
    coordinator.record_result(application_id, "birth_certificate", first.command_id, False, {}, "refused")
    scheduler.follow()
    assert scheduler.index.count(CHASE) == 0
    assert tick(scheduler, clock, hours=48) == 0
    assert len(coordinator.bus.sent) == 1


def test_the_retry_policy_is_declared_per_step():
    step = BUNDLES.get("newborn").steps["birth_certificate"]
    assert step.retry_after == dt.timedelta(seconds=30) and step.retry_max_interval == dt.timedelta(minutes=10)


def test_a_fault_after_registration_undoes_what_was_done_and_ends_failed(coordinator, scheduler, clock):
    startup = {"company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
               "registered_address": "青岛", "registered_capital": "300000", "legal_rep_id": "370202199205140022",
               "legal_rep_name": "李秀英"}
    application_id = coordinator.submit("startup", startup)
    [registration] = coordinator.bus.sent
    coordinator.record_result(application_id, "business_registration", registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    parallel = {d.step: d for d in coordinator.bus.sent[1:]}
    for step in ("tax_registration", "social_insurance", "medical_insurance", "housing_fund"):
        coordinator.record_result(application_id, step, parallel[step].command_id, True, {"n": "1"})
    for _ in range(20):  # the seals department never answers
        tick(scheduler, clock, minutes=10)
    assert coordinator.get_application(application_id).status == "COMPENSATING"
    while (undo := coordinator.bus.sent[-1]).action in ("close_employer", "withdraw_registration") and \
            coordinator.get_application(application_id).status == "COMPENSATING":
        coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})
    application = coordinator.get_application(application_id)
    assert application.status == "FAILED" and application.steps["seals"].status == "FAILED"
    assert application.steps["business_registration"].status == "COMPENSATED"
    assert application.steps["tax_registration"].status == "COMPLETED", "tax declares no undo"


def test_retries_exhausted_is_a_fault_that_ends_failed(coordinator, scheduler, clock):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    for _ in range(20):
        tick(scheduler, clock, minutes=10)
    application = coordinator.get_application(application_id)
    step = application.steps["birth_certificate"]
    assert (application.status, step.status) == ("FAILED", "FAILED")
    assert step.sends == 8 and "no answer from health after 8 attempts" in application.reasons[0]
    assert len(coordinator.bus.sent) == 8
    assert scheduler.index.count(CHASE) == 0
