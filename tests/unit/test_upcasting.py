"""Event versioning: ObjectionRaised v2 records the objector's role and name apart; streams written
with v1 (one `objector` text) still load, the upcaster splitting the text."""
import dataclasses
import uuid

from eventsourcing.persistence import StoredEvent

from saga.coordinator import Coordinator
from tests.support.fakes import RecordingBus, SteppingClock, shipped_bundles

FORM = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354", "reason": "business_ended",
        "company_name": "西宁示例商贸有限公司", "legal_rep_name": "马建华", "registered_address": "青海省西宁市城东区"}


def objected(coordinator) -> uuid.UUID:
    application_id = coordinator.submit("deregistration_simplified", FORM)
    [notice] = coordinator.bus.sent
    coordinator.record_result(application_id, notice.step, notice.command_id, True, {"notice_no": "N1"})
    coordinator.object(application_id, "青岛某供应商", "货款未结清", objector_role="债权人")
    return application_id


def as_version_1(coordinator, application_id: uuid.UUID) -> uuid.UUID:
    """A copy of the stream under a new id, its ObjectionRaised written in the v1 shape."""
    copy_id = uuid.uuid4()
    transcoder = coordinator.mapper.transcoder
    records = []
    for stored in coordinator.recorder.select_events(application_id):
        state = stored.state
        if stored.topic.endswith(".ObjectionRaised"):
            fields = transcoder.decode(state)
            assert fields.pop("class_version") == 2
            fields["objector"] = f"{fields.pop('objector_role')} {fields['objector']}"
            state = transcoder.encode(fields)
        records.append(dataclasses.replace(stored, originator_id=copy_id, state=state))
    coordinator.recorder.insert_events(records)
    return copy_id


def test_a_v1_objection_loads_with_role_and_name_split():
    coordinator = Coordinator(shipped_bundles(), RecordingBus(), clock=SteppingClock(),
                              env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    original = coordinator.get_application(objected(coordinator))
    copy_id = as_version_1(coordinator, original.id)
    [v1] = [e for e in coordinator.recorder.select_events(copy_id) if e.topic.endswith(".ObjectionRaised")]
    assert "class_version" not in coordinator.mapper.transcoder.decode(v1.state)

    event = next(e for e in coordinator.history(copy_id) if type(e).__name__ == "ObjectionRaised")
    assert (event.objector_role, event.objector) == ("债权人", "青岛某供应商")
    loaded = coordinator.get_application(copy_id)
    assert loaded.status == original.status == "REJECTED"
    assert loaded.steps["notice_period"].reason == original.steps["notice_period"].reason == \
        "objection by 债权人 青岛某供应商: 货款未结清"


def test_a_v1_objector_without_a_role_keeps_its_name():
    from saga.domain.model import Application

    state = {"objector": "某职工"}
    Application.ObjectionRaised.upcast_v1_v2(state)
    assert state == {"objector_role": "", "objector": "某职工"}
