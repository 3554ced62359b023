"""Time limits and lost replies: an unanswered step is re-sent with backoff (same command id) and
flagged overdue once its promised limit has run out; an answer ends the chase."""
import datetime as dt

from saga.adapters.timers import CHASE
from saga.domain.application import Application
from tests.support.clients import newborn_form
from tests.support.fakes import MOTHER, START, STARTUP_FORM, shipped_bundles


def test_a_lost_reply_is_re_sent_with_the_same_id_at_doubling_intervals(coordinator, bus, scheduler, tick):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [first] = bus.sent
    assert tick(seconds=29) == 0
    assert tick(seconds=1) == 1                      # 30 s: first re-send
    assert tick(seconds=59) == 0
    assert tick(seconds=1) == 1                      # then 60 s later
    assert tick(seconds=120) == 1                    # then 120 s later
    resent = bus.sent[1:]
    assert len(resent) == 3 and {d.command_id for d in resent} == {first.command_id}
    assert coordinator.get_application(application_id).steps["birth_certificate"].sends == 4


def test_the_interval_doubles_up_to_its_cap(coordinator, bus, scheduler, tick):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    for _ in range(7):
        tick(minutes=10)
    resends = [e for e in coordinator.history(application_id) if isinstance(e, Application.CommandResent)]
    intervals = [(e.next_resend_at - e.at).total_seconds() for e in resends]
    assert intervals == [60, 120, 240, 480, 600, 600, 600]


def test_a_step_past_its_time_limit_is_flagged_once(coordinator, bus, scheduler, tick):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    tick(hours=23, minutes=59)
    assert coordinator.get_application(application_id).steps["birth_certificate"].overdue_since is None
    tick(minutes=1)
    tick(hours=2)
    step = coordinator.get_application(application_id).steps["birth_certificate"]
    assert step.overdue_since == START + dt.timedelta(days=1)
    assert sum(isinstance(e, Application.StepOverdue) for e in coordinator.history(application_id)) == 1


def test_an_answer_ends_the_chase(coordinator, bus, scheduler, tick):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [first] = bus.sent
    coordinator.record_result(application_id, "birth_certificate", first.command_id, False, {}, "refused")
    scheduler.follow()
    assert scheduler.index.view.count(CHASE) == 0
    assert tick(hours=48) == 0
    assert len(bus.sent) == 1


def test_the_retry_policy_is_declared_per_step():
    retry = shipped_bundles().get("newborn").steps["birth_certificate"].retry
    assert (retry.after, retry.max_interval, retry.attempts) == (dt.timedelta(seconds=30), dt.timedelta(minutes=10), 8)


def test_a_fault_after_registration_undoes_what_was_done_and_ends_failed(coordinator, bus, scheduler, tick):
    application_id = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    [registration] = bus.sent
    coordinator.record_result(application_id, "business_registration", registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    parallel = {d.step: d for d in bus.sent[1:]}
    for step in ("tax_registration", "social_insurance", "medical_insurance", "housing_fund"):
        coordinator.record_result(application_id, step, parallel[step].command_id, True, {"n": "1"})
    for _ in range(20):  # the seals department never answers
        tick(minutes=10)
    assert coordinator.get_application(application_id).status == "COMPENSATING"
    while (undo := bus.sent[-1]).action in ("close_employer", "withdraw_registration") and \
            coordinator.get_application(application_id).status == "COMPENSATING":
        coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})
    application = coordinator.get_application(application_id)
    assert application.status == "FAILED" and application.steps["seals"].status == "FAILED"
    assert application.steps["business_registration"].status == "COMPENSATED"
    assert application.steps["tax_registration"].status == "COMPLETED", "tax declares no undo"


def test_retries_exhausted_is_a_fault_that_ends_failed(coordinator, bus, scheduler, tick):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    for _ in range(20):
        tick(minutes=10)
    application = coordinator.get_application(application_id)
    step = application.steps["birth_certificate"]
    assert (application.status, step.status) == ("FAILED", "FAILED")
    assert step.sends == 8 and "no answer from health after 8 attempts" in application.reasons[0]
    assert len(bus.sent) == 8
    assert scheduler.index.view.count(CHASE) == 0
