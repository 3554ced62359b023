"""Stored streams keep loading: ObjectionRaised v2 records the objector's role and name apart, and a
v1 stream (one `objector` text) still loads, the upcaster splitting the text; streams stored before
the aggregate left saga/domain/model.py (their topics name that module), and before compensation and
the operators' actions left the aggregate's module for its bases (saga/domain/compensation.py,
saga/domain/operator_actions.py), still load, and every follower of the log still reads them."""
import dataclasses
import uuid


from saga.adapters.projection_store import projections_datastore
from saga.adapters.relay import CommandRelay
from saga.adapters.timers import WAIT
from deploy.sample_forms import newborn_form
from saga.domain.application import Application
from saga.domain.compensation import Compensation
from saga.domain.operator_actions import OperatorActions
from tests.support.fakes import MOTHER, STARTUP_FORM, STRANGER, XINING_LEGAL_REP, RecordingBus

# The company's name, legal representative's name and address are looked up in the (seeded) market register.
FORM = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354", "reason": "business_ended",
        "commitment.no_debts": "accepted"}
OLD_MODULE, NEW_MODULE = "saga.domain.model:", "saga.domain.application:"


def noticed(coordinator, bus) -> uuid.UUID:
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    [notice] = bus.sent
    coordinator.record_result(application_id, notice.step, notice.command_id, True, {"notice_no": "N1"})
    return application_id


def copied(coordinator, application_id: uuid.UUID, change) -> uuid.UUID:
    """A copy of the stream under a new id, each stored event changed by `change(topic, fields)`."""
    copy_id = uuid.uuid4()
    transcoder = coordinator.mapper.transcoder
    records = []
    for stored in coordinator.recorder.select_events(application_id):
        fields = transcoder.decode(stored.state)
        topic = change(stored.topic, fields)
        records.append(dataclasses.replace(stored, originator_id=copy_id, topic=topic, state=transcoder.encode(fields)))
    coordinator.recorder.insert_events(records)
    return copy_id


def as_version_1(topic: str, fields: dict) -> str:
    if topic.endswith(".ObjectionRaised"):
        assert fields.pop("class_version") == 3
        fields.pop("objector_subject")
        fields["objector"] = f"{fields.pop('objector_role')} {fields['objector']}"
    return topic


def under_the_old_module(topic: str, fields: dict) -> str:
    if "originator_topic" in fields:
        fields["originator_topic"] = fields["originator_topic"].replace(NEW_MODULE, OLD_MODULE)
    if topic.startswith("saga.domain.commitments:"):
        return topic  # a base's events (告知承诺) were never stored under the old module
    assert topic.startswith(NEW_MODULE)
    return topic.replace(NEW_MODULE, OLD_MODULE)


def test_a_v1_objection_loads_with_role_and_name_split(coordinator, bus):
    application_id = noticed(coordinator, bus)
    coordinator.object(application_id, "货款未结清", objector_role="债权人", objector="青岛某供应商", caller=STRANGER)
    original = coordinator.get_application(application_id)
    copy_id = copied(coordinator, original.id, as_version_1)
    [v1] = [e for e in coordinator.recorder.select_events(copy_id) if e.topic.endswith(".ObjectionRaised")]
    assert "class_version" not in coordinator.mapper.transcoder.decode(v1.state)

    event = next(e for e in coordinator.history(copy_id) if isinstance(e, Application.ObjectionRaised))
    assert (event.objector_role, event.objector) == ("债权人", "青岛某供应商")
    loaded = coordinator.get_application(copy_id)
    assert loaded.status == original.status == "REJECTED"
    assert loaded.steps["notice_period"].reason == original.steps["notice_period"].reason == \
        "objection by 债权人 青岛某供应商: 货款未结清"


def test_a_v1_objector_without_a_role_keeps_its_name():
    state = {"objector": "某职工"}
    Application.ObjectionRaised.upcast_v1_v2(state)
    assert state == {"objector_role": "", "objector": "某职工"}


def test_a_stream_stored_under_the_old_module_loads_and_is_followed(coordinator, bus, wiring, clock):
    original = coordinator.get_application(noticed(coordinator, bus))
    copy_id = copied(coordinator, original.id, under_the_old_module)
    assert all(e.topic.startswith((OLD_MODULE, "saga.domain.commitments:"))
               for e in coordinator.recorder.select_events(copy_id))

    loaded = coordinator.get_application(copy_id)
    assert (loaded.status, loaded.steps["notice_period"].status) == ("IN_PROGRESS", "WAITING")
    assert [type(e) for e in coordinator.history(copy_id)] == [type(e) for e in coordinator.history(original.id)]

    relayed = RecordingBus()
    CommandRelay(coordinator.recorder, coordinator.mapper, relayed, fresh_positions()).relay_pending()
    assert [d.application_id for d in relayed.sent] == [original.id, copy_id], "the copy's command is seen"
    wiring.timers.follow(coordinator.recorder, coordinator.mapper)
    assert wiring.timers.view.count(WAIT) == 2, "the copy's wait is in the timer index"
    clock.advance(days=20)
    assert coordinator.end_wait(copy_id, "notice_period"), "and it ends like any other"


def fresh_positions():
    """A position store of its own, at the start of the log."""
    store = projections_datastore()
    store.create(())
    return store


def as_submitted_v1(topic: str, fields: dict) -> str:
    if topic.endswith(".Submitted"):
        assert fields.pop("class_version") == 2
        fields.pop("principals"), fields.pop("agent")
    return topic


def test_a_v1_submission_loads_without_principals_and_its_readers_fall_back_on_the_form(coordinator, bus):
    original = coordinator.get_application(noticed(coordinator, bus))
    assert original.principals == [FORM["legal_rep_id"]]
    copy_id = copied(coordinator, original.id, as_submitted_v1)
    [v1] = [e for e in coordinator.recorder.select_events(copy_id) if e.topic.endswith(".Submitted")]
    assert "principals" not in coordinator.mapper.transcoder.decode(v1.state)

    loaded = coordinator.get_application(copy_id)
    assert (loaded.principals, loaded.agent, loaded.steps["notice_period"].status) == ([], "", "WAITING")
    assert coordinator.principals_of(loaded) == [FORM["legal_rep_id"]]
    _, sight = coordinator.open_application(copy_id, caller=XINING_LEGAL_REP)
    assert sight.is_party, "its legal representative still sees it"


def test_a_v2_objection_loads_without_a_subject():
    state = {"objector_role": "债权人", "objector": "某供应商"}
    Application.ObjectionRaised.upcast_v2_v3(state)
    assert state["objector_subject"] == ""


# Where the events of the aggregate's bases were stored before they moved out of its module.
MOVED = {"saga.domain.compensation:Compensation.": "saga.domain.application:Application.",
         "saga.domain.operator_actions:OperatorActions.": "saga.domain.application:Application."}


def under_the_aggregates_module(topic: str, fields: dict) -> str:
    for new, old in MOVED.items():
        if topic.startswith(new):
            return old + topic[len(new):]
    return topic


def test_compensation_and_a_retry_stored_under_the_aggregates_module_load_and_are_followed(coordinator, bus,
                                                                                         wiring, clock):
    refused = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    [registration] = bus.sent
    coordinator.record_result(refused, registration.step, registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    outputs = {"seals": {"seal_set_no": "Y1", "seal_count": "4", "fee_yuan": "0"},
               "social_insurance": {"social_insurance_employer_no": "SB1"},
               "medical_insurance": {"medical_insurance_employer_no": "YB1"},
               "housing_fund": {"housing_fund_account_no": "GJJ1"}}
    for sent in bus.sent[1:]:
        coordinator.record_result(refused, sent.step, sent.command_id, sent.step in outputs,
                                  outputs.get(sent.step, {}), "" if sent.step in outputs else "refused")
    retried = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    clock.advance(days=2)
    coordinator.chase(retried, "birth_certificate")
    coordinator.retry_step(retried, "birth_certificate", "alice", "department asked for it again")

    for original in (coordinator.get_application(refused), coordinator.get_application(retried)):
        kinds = {type(e) for e in coordinator.history(original.id)}
        assert kinds & {Compensation.CompensationStarted, Compensation.CompensationDispatched,
                        OperatorActions.StepRetried}, "stored under the bases' topics now"
        copy_id = copied(coordinator, original.id, under_the_aggregates_module)
        assert not any(e.topic.startswith(tuple(MOVED)) for e in coordinator.recorder.select_events(copy_id))
        loaded = coordinator.get_application(copy_id)
        assert loaded.status == original.status and \
            {s.id: s.status for s in loaded.steps.values()} == {s.id: s.status for s in original.steps.values()}
        assert [type(e).__name__ for e in coordinator.history(copy_id)] == \
            [type(e).__name__ for e in coordinator.history(original.id)]
        assert all(isinstance(e, type(o)) for e, o in zip(coordinator.history(copy_id),
                                                          coordinator.history(original.id)))
    relayed = RecordingBus()
    CommandRelay(coordinator.recorder, coordinator.mapper, relayed, fresh_positions()).relay_pending()
    by_application = {}
    for d in relayed.sent:
        by_application.setdefault(d.application_id, []).append((d.step, d.action))
    original_refused, original_retried, copy_refused, copy_retried = by_application.values()  # in log order
    # six steps sent, then the first undo
    assert original_refused == copy_refused and len(copy_refused) == 7, \
        "the copy's undo is published like the original's"
    assert original_retried == copy_retried == [("birth_certificate", "issue_birth_certificate")] * 3, \
        "and its retry (sent, re-sent when overdue, retried)"
