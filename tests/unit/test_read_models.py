"""Read models follow the log exactly once and rebuild to the same rows; reads wait for the follower
and never write; what-if replay runs a recorded application against another definition without
touching its stream."""
import threading

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from saga.adapters.bundle_files import parse_bundle_text
from saga.domain.what_if import what_if
from tests.support.clients import newborn_form
from tests.support.fakes import MOTHER, ROOT, shipped_catalogue

ANSWERS = {"birth_certificate": {"birth_certificate_no": "Q1"}, "household_registration": {"child_id": "C1"},
           "vaccination_record": {"vaccination_record_no": "V1"}, "social_security_card": {"card_no": "S1"},
           "medical_insurance": {"insured_no": "M1"}}


def completed_newborn(coordinator, bus) -> str:
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    answered = set()
    while pending := [d for d in bus.sent if d.step not in answered]:
        for dispatch in pending:
            answered.add(dispatch.step)
            coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, ANSWERS[dispatch.step])
    return str(application_id)


def test_read_models_apply_each_event_once_and_rebuild_to_the_same_rows(coordinator, bus, wiring):
    done = completed_newborn(coordinator, bus)
    running = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    models, view = wiring.read_models, wiring.read_models.view
    assert models.follow(coordinator.recorder, coordinator.mapper) == coordinator.recorder.max_notification_id()
    before = view.snapshot()
    with pytest.raises(IntegrityError):  # a batch that does not move the position on is refused whole
        with view.transaction(Tracking(models.name, 1)) as tx:
            view.submitted(tx, running, "newborn", coordinator.clock(), 99)
    assert view.snapshot() == before
    rows, total = view.applications(bundle="newborn")
    assert total == 2 and {r["application_id"]: r["status"] for r in rows} == {done: "COMPLETED",
                                                                               str(running): "IN_PROGRESS"}
    assert view.applications(department="health")[1] == 1
    assert [(r["application_id"], r["step"]) for r in view.pending_steps("health")] == [
        (str(running), "birth_certificate")]
    assert view.pending_per_department() == {"health": 1} and view.pending_steps(overdue_only=True) == []
    assert view.statistics("newborn")["by_status"] == {"COMPLETED": 1, "IN_PROGRESS": 1}
    progress = []
    models.rebuild(coordinator.recorder, coordinator.mapper, progress.append)
    assert view.snapshot() == before and progress[-1] == coordinator.recorder.max_notification_id()


def test_a_read_never_writes_the_read_models(coordinator, wiring):
    coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    wiring.queries.catch_up_s = 0.05  # nobody follows the log in this test
    assert wiring.queries.applications() == ([], 0)
    assert wiring.read_models.position == 0


def test_a_read_waits_for_the_follower_to_reach_the_head_of_the_log(coordinator, wiring):
    coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    wiring.queries.catch_up_s = 30
    follower = threading.Timer(0.2, wiring.read_models.follow, (coordinator.recorder, coordinator.mapper))
    follower.start()
    rows, total = wiring.queries.applications()
    follower.join()
    assert total == 1 and rows[0]["status"] == "IN_PROGRESS"


def test_what_if_shows_the_path_under_another_definition_and_writes_nothing(coordinator, bus):
    application_id = completed_newborn(coordinator, bus)
    version = coordinator.get_application(application_id).version
    text = (ROOT / "bundles" / "newborn.yaml").read_text(encoding="utf-8")
    start = text.index("  vaccination_record:\n")
    end = text.index("  household_registration:\n")
    without_vaccination = text[:start] + text[end:]
    without_vaccination = without_vaccination.replace(
        "  contact_phone:  {type: phone, required: true, label: {zh: 联系电话, en: Contact phone}}\n", "")
    other = parse_bundle_text(without_vaccination, shipped_catalogue())
    result = what_if(coordinator.get_application(application_id), coordinator.history(application_id), other)
    assert result.what_if_status == "COMPLETED" and "vaccination_record: completed" not in result.what_if_path
    assert any(d.startswith("vaccination_record would not run") for d in result.differences)
    assert coordinator.get_application(application_id).version == version
