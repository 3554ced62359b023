"""The coordinator's use cases, wired as in production with an in-memory store and a recording bus."""
import uuid

import pytest

from saga.adapters.log_follower import LogFollower
from saga.domain.application import Application
from saga.domain.errors import ApplicationNotFound, FormInvalid, UnknownBundle
from saga.domain.ports import StepAnswer
from tests.support.clients import newborn_form
from tests.support.fakes import MOTHER

OUTPUTS = {"birth_certificate": {"birth_certificate_no": "Q1"},
           "vaccination_record": {"vaccination_record_no": "V1", "first_dose_due": "2026-11-18"},
           "household_registration": {"child_id": "370202202611180024", "household_no": "1", "household_address": "青岛"},
           "medical_insurance": {"insured_no": "MI1", "coverage_start": "2026-11-18"},
           "social_security_card": {"card_no": "S1"}}


def form():
    return newborn_form(birth_date="2026-11-18")


def test_results_drive_an_application_to_completion(coordinator, bus):
    application_id = coordinator.submit("newborn", form(), caller=MOTHER)
    assert [d.step for d in bus.sent] == ["birth_certificate"]
    answered = set()
    while pending := [d for d in bus.sent if d.step not in answered]:
        for dispatch in pending:
            answered.add(dispatch.step)
            assert coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True,
                                             OUTPUTS[dispatch.step])
    assert coordinator.get_application(application_id).status == "COMPLETED"
    assert len(bus.sent) == 5


def test_a_batch_of_answers_is_recorded_in_one_save(coordinator, bus):
    first = coordinator.submit("newborn", form(), caller=MOTHER)
    second = coordinator.submit("newborn", form(), caller=MOTHER)
    answers = [StepAnswer(str(d.application_id), d.step, d.command_id, True, OUTPUTS[d.step]) for d in bus.sent]
    before = coordinator.recorder.max_notification_id()
    assert coordinator.record_results(answers + answers[:1]) == [True, True, False], "the repeat changes nothing"
    saved = coordinator.recorder.select_notifications(start=before + 1, limit=100)
    assert {n.originator_id for n in saved} == {first, second}
    assert len(bus.sent) == 6, "each answer started what it unblocks"


def test_a_batch_with_an_unknown_application_is_refused_whole(coordinator, bus):
    coordinator.submit("newborn", form(), caller=MOTHER)
    [dispatch] = bus.sent
    good = StepAnswer(str(dispatch.application_id), dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step])
    with pytest.raises(ApplicationNotFound):
        coordinator.record_results([good, StepAnswer(str(uuid.uuid4()), "x", "c", True, {})])
    assert coordinator.get_application(dispatch.application_id).version == 2, "nothing of the batch was saved"


def test_an_answer_for_an_unknown_step_is_ignored(coordinator, bus):
    application_id = coordinator.submit("newborn", form(), caller=MOTHER)
    assert coordinator.record_results([StepAnswer(str(application_id), "wedding_photo", "c", True, {})]) == [False]


def test_a_bad_form_stores_and_sends_nothing(coordinator, bus):
    with pytest.raises(FormInvalid):
        coordinator.submit("newborn", {}, caller=MOTHER)
    assert not coordinator.recorder.max_notification_id()
    assert bus.sent == []


def test_an_unknown_bundle_or_application(coordinator):
    with pytest.raises(UnknownBundle):
        coordinator.submit("wedding", form(), caller=MOTHER)
    with pytest.raises(ApplicationNotFound):
        coordinator.get_application(uuid.uuid4())
    with pytest.raises(ApplicationNotFound):
        coordinator.get_application("nonsense")


def test_a_repeated_submit_with_a_key_is_one_application(coordinator, bus):
    same = form()
    first = coordinator.submit("newborn", same, idempotency_key="abc", caller=MOTHER)
    assert coordinator.submit("newborn", same, idempotency_key="abc", caller=MOTHER) == first
    assert len(bus.sent) == 1


def test_a_duplicate_result_is_ignored(coordinator, bus):
    application_id = coordinator.submit("newborn", form(), caller=MOTHER)
    [dispatch] = bus.sent
    assert coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step])
    assert not coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, {"x": "y"})
    assert len(bus.sent) == 3


def test_history_and_the_log_follower_see_every_event_in_order(coordinator, bus):
    changed = []
    follower = LogFollower(coordinator.recorder, changed.append)
    application_id = coordinator.submit("newborn", form(), caller=MOTHER)
    other = coordinator.submit("newborn", form(), caller=MOTHER)
    dispatch = next(d for d in bus.sent if d.application_id == application_id)
    coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step])
    follower.follow()
    assert set().union(*changed) == {application_id, other}
    history = coordinator.history(application_id)
    assert [e.originator_version for e in history] == list(range(1, 6))
    assert [type(e) for e in coordinator.history(application_id, after_version=3)] == [Application.StepDispatched] * 2
    changed.clear()
    follower.follow()
    assert changed == [], "the follower moves on: what it told is not told again"
