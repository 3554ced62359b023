"""Read models follow the log exactly once and rebuild to the same rows; what-if replay runs a
recorded application against another definition without touching its stream."""
import pytest

from saga.adapters.bundle_files import load_catalogue, parse_bundle_text
from saga.adapters.read_models import ReadModels
from saga.config import Config
from saga.coordinator import Coordinator
from saga.domain.what_if import what_if
from saga.entrypoints.operations_api import mask_identity_numbers, parse_operator_tokens
from tests.support.clients import newborn_form
from tests.support.fakes import RecordingBus, SteppingClock, shipped_bundles

ANSWERS = {"birth_certificate": {"birth_certificate_no": "Q1"}, "household_registration": {"child_id": "C1"},
           "vaccination_record": {"vaccination_record_no": "V1"}, "social_security_card": {"card_no": "S1"},
           "medical_insurance": {"insured_no": "M1"}}


@pytest.fixture
def coordinator():
    app = Coordinator(shipped_bundles(), RecordingBus(), clock=SteppingClock(),
                      env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def completed_newborn(coordinator) -> str:
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    answered = set()
    while pending := [d for d in coordinator.bus.sent if d.step not in answered]:
        for dispatch in pending:
            answered.add(dispatch.step)
            coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, ANSWERS[dispatch.step])
    return str(application_id)


def test_read_models_apply_each_event_once_and_rebuild_to_the_same_rows(coordinator, tmp_path):
    done = completed_newborn(coordinator)
    running = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"))
    models = ReadModels(tmp_path / "read_models.sqlite")
    models.follow(coordinator.recorder, coordinator.mapper)
    models.apply([(1, None)])  # an event already applied changes nothing
    rows, total = models.applications(bundle="newborn")
    assert total == 2 and {r["application_id"]: r["status"] for r in rows} == {done: "COMPLETED",
                                                                               str(running): "IN_PROGRESS"}
    assert models.applications(department="health")[1] == 1
    assert [(r["application_id"], r["step"]) for r in models.pending_steps("health")] == [
        (str(running), "birth_certificate")]
    assert models.pending_per_department() == {"health": 1} and models.pending_steps(overdue_only=True) == []
    assert models.statistics("newborn")["by_status"] == {"COMPLETED": 1, "IN_PROGRESS": 1}
    before = models.snapshot()
    progress = []
    models.rebuild(coordinator.recorder, coordinator.mapper, progress.append)
    assert models.snapshot() == before and progress[-1] == coordinator.recorder.max_notification_id()


def test_what_if_shows_the_path_under_another_definition_and_writes_nothing(coordinator):
    application_id = completed_newborn(coordinator)
    version = coordinator.get_application(application_id).version
    text = open(Config().bundles_dir / "newborn.yaml", encoding="utf-8").read()
    start = text.index("  vaccination_record:\n")
    end = text.index("  household_registration:\n")
    without_vaccination = text[:start] + text[end:]
    without_vaccination = without_vaccination.replace(
        "  contact_phone:  {type: phone, required: true, label: {zh: 联系电话, en: Contact phone}}\n", "")
    other = parse_bundle_text(without_vaccination, load_catalogue(Config().catalogue_file))
    result = what_if(coordinator.get_application(application_id), coordinator.history(application_id), other)
    assert result.what_if_status == "COMPLETED" and "vaccination_record: completed" not in result.what_if_path
    assert any(d.startswith("vaccination_record would not run") for d in result.differences)
    assert coordinator.get_application(application_id).version == version


def test_operator_tokens_and_masking():
    assert parse_operator_tokens("alice:t1, bob:t2") == {"t1": "alice", "t2": "bob"}
    with pytest.raises(ValueError):
        parse_operator_tokens("alice")
    assert mask_identity_numbers('"mother_id": "37020219920514002X"') == '"mother_id": "370202********002X"'
    assert mask_identity_numbers("card S00000012, code 91370202000000019Q") == "card S00000012, code 91370202000000019Q"
