"""Back-office review on the coordinator's side (saga/domain/review.py): the bundle's rule decides at
dispatch who decides a command, and the command says so; a department's progress shows the step
WITH_OFFICER since when; an officer's decision is recorded with who decided (and their opening of the
case in the principals' data-access logs); a return for correction waits for the applicant; a case
with an officer is chased and flagged, never given up; every new event replays, and older streams
load (StepDispatched, CommandResent and StepRetried v1 say nothing of review)."""
import dataclasses
import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from lifeevents.callers import Principal, Role
from lifeevents.messaging import PROGRESS_TYPE, RESULT_TYPE, Topology
from lifeevents.v1 import steps_pb2
from saga.adapters.rabbitmq.consumers import PartitionConsumer
from saga.adapters.relay import CommandRelay, dispatch_of
from saga.domain.application import Application
from saga.domain.errors import MalformedAnswer
from saga.domain.ports import Outcome, StepAnswer
from saga.domain.review import OfficerReview
from saga.entrypoints.applications_api import application_message, event_message
from tests.support.fakes import MOTHER, START, STARTUP_FORM, RecordingBus
from tests.unit.test_upcasting import copied, fresh_positions

RESTRICTED = {**STARTUP_FORM, "company_name": "青岛国际海洋文化有限公司"}
REGISTERED = {"credit_code": "91370202MA3C12345X", "licence_no": "370202000000001"}
SPECIAL = {"resident_id": "370202196810010353", "bank_account": "6228480402564890125", "post_type": "special",
           "contribution_years": "31"}
RETIREE = Principal("370202196810010353", Role.CITIZEN)


def registration(bus):
    return next(d for d in reversed(bus.sent) if d.step == "business_registration")


def progress(dispatch, officer: str = "", since: dt.datetime = START, reasons=("the name",)) -> StepAnswer:
    return StepAnswer(str(dispatch.application_id), dispatch.step, dispatch.command_id, False, {},
                      department=dispatch.department, outcome=Outcome.WITH_OFFICER, since=since, officer=officer,
                      reasons=tuple(reasons))


def decided(dispatch, officer: str, completed: bool = True, reason: str = "") -> StepAnswer:
    return StepAnswer(str(dispatch.application_id), dispatch.step, dispatch.command_id, completed,
                      REGISTERED if completed else {}, reason, department=dispatch.department,
                      outcome=Outcome.COMPLETED if completed else Outcome.REJECTED, decided_by=officer)


def returned(dispatch, officer: str, reasons: dict) -> StepAnswer:
    return StepAnswer(str(dispatch.application_id), dispatch.step, dispatch.command_id, False, {},
                      department=dispatch.department, outcome=Outcome.RETURNED, decided_by=officer, returned=reasons)


def test_the_bundles_rule_decides_at_dispatch_who_decides_and_the_command_says_so(coordinator, bus):
    coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
    assert (registration(bus).review, registration(bus).review_reasons) == ("", ())
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    assert dispatch.review == "OFFICER"
    assert dispatch.review_reasons == ("企业名称含有限制使用的字词 (the company name holds restricted words)",)
    state = coordinator.get_application(application_id).steps["business_registration"]
    assert (state.status, state.case.review) == ("DISPATCHED", "OFFICER")
    assert state.case.reasons == list(dispatch.review_reasons)


def test_progress_shows_the_step_with_an_officer_since_the_case_opened_and_a_repeat_changes_nothing(coordinator, bus,
                                                                                                    clock):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    clock.advance(minutes=3)
    opened = START + dt.timedelta(minutes=1)
    assert coordinator.record_results([progress(dispatch, since=opened)]) == [True]
    assert coordinator.record_results([progress(dispatch, since=opened)]) == [False], "a chase answered again"
    application = coordinator.get_application(application_id)
    step = application.steps["business_registration"]
    assert (step.status, step.case.since, step.case.officer) == ("WITH_OFFICER", opened, "")
    assert application.status == "IN_PROGRESS" and [d.step for d in bus.sent].count("seals") == 0
    message = application_message(application).steps[0]
    assert message.status == message.WITH_OFFICER and message.with_officer_since.ToDatetime(dt.timezone.utc) == opened
    assert coordinator.data_access(MOTHER.subject) == [], "nobody has opened the case yet"


def test_a_claim_is_an_officers_reading_of_the_case_in_the_principals_data_access_log(coordinator, bus):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    coordinator.record_results([progress(dispatch)])
    assert coordinator.record_results([progress(dispatch, officer="mr-0007")]) == [True]
    assert coordinator.record_results([progress(dispatch, officer="mr-0007")]) == [False]
    [entry] = coordinator.data_access(MOTHER.subject)
    assert (entry.accessor, entry.accessor_role, entry.department, entry.application_id) == (
        "mr-0007", "officer", "market_regulation", str(application_id))
    assert "company_name" in entry.items and entry.purpose == "opening the case in the department's worklist"
    assert coordinator.get_application(application_id).steps["business_registration"].case.officer == "mr-0007"


def test_an_officers_approval_is_recorded_with_who_decided_and_the_application_goes_on(coordinator, bus):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    coordinator.record_results([progress(dispatch)])
    assert coordinator.record_results([decided(dispatch, "mr-0007")]) == [True]
    application = coordinator.get_application(application_id)
    step = application.steps["business_registration"]
    assert (step.status, step.case.decided_by, step.case.officer, step.result) == (
        "COMPLETED", "mr-0007", "mr-0007", REGISTERED)
    assert {"seals", "tax_registration"} <= {d.step for d in bus.sent}
    assert [type(e).__name__ for e in coordinator.history(application_id)][2:6] == [
        "StepWithOfficer", "StepWithOfficer", "StepDecidedByOfficer", "StepCompleted"]
    [entry] = coordinator.data_access(MOTHER.subject)
    assert entry.accessor == "mr-0007", "deciding without a claim the coordinator heard of opens the case too"
    assert application_message(application).steps[0].decided_by == "mr-0007"


def test_an_officers_refusal_ends_the_application_with_their_reason(coordinator, bus):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    coordinator.record_results([decided(dispatch, "mr-0007", completed=False, reason="名称中的“国际”无依据")])
    application = coordinator.get_application(application_id)
    assert application.status == "REJECTED"
    assert application.reasons == ["business_registration (market_regulation): 名称中的“国际”无依据"]
    assert application.steps["business_registration"].case.decided_by == "mr-0007"


def test_a_return_waits_for_the_correction_which_sends_the_step_again(coordinator, bus, wiring):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    first = registration(bus)
    coordinator.record_results([progress(first, officer="mr-0007")])
    assert coordinator.record_results([returned(first, "mr-0007", {"company_name": "请提供使用“国际”的依据"})]) == [True]
    application = coordinator.get_application(application_id)
    step = application.steps["business_registration"]
    assert (step.status, step.case.returned_inputs) == ("RETURNED", {"company_name": "请提供使用“国际”的依据"})
    assert step.reason == "returned for correction by mr-0007: company_name: 请提供使用“国际”的依据"
    assert application.status == "IN_PROGRESS"
    wiring.timers.follow(coordinator.recorder, coordinator.mapper)
    assert not [t for t in wiring.timers.view.due(START + dt.timedelta(days=30)) if t[1] == "business_registration"], \
        "a returned step is not chased"
    assert coordinator.record_results([returned(first, "mr-0007", {"company_name": "again"})]) == [False]

    with coordinator._changing(application_id) as changing:  # the practices' Supplement calls this hook
        assert changing.reopen_returned(START) == ["business_registration"]
        changing.advance(START, coordinator.new_id)
    again = registration(bus)
    assert again.command_id != first.command_id and again.review == "OFFICER"
    assert coordinator.get_application(application_id).steps["business_registration"].status == "DISPATCHED"


def test_a_return_names_inputs_of_the_step_or_is_malformed(coordinator, bus):
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    with pytest.raises(MalformedAnswer, match="no input"):
        coordinator.check_answer(returned(dispatch, "mr-0007", {"shoe_size": "?"}))
    with pytest.raises(MalformedAnswer, match="names no input"):
        coordinator.check_answer(returned(dispatch, "mr-0007", {}))
    coordinator.check_answer(returned(dispatch, "mr-0007", {"company_name": "?"}))


def test_an_officers_part_is_accepted_only_where_an_officer_may_decide(coordinator, bus):
    coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)  # a plain name: the rules decide
    auto = registration(bus)
    with pytest.raises(MalformedAnswer, match="declares no escalation"):
        coordinator.check_answer(progress(auto))
    with pytest.raises(MalformedAnswer, match="declares no escalation"):
        coordinator.check_answer(decided(auto, "mr-0007"))
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    reviewed = registration(bus)
    coordinator.check_answer(progress(reviewed, officer="mr-0007"))
    with pytest.raises(MalformedAnswer, match="is not a staff id"):
        coordinator.check_answer(progress(reviewed, officer="mr 0007\n"))
    with pytest.raises(MalformedAnswer, match="with results"):
        coordinator.check_answer(dataclasses.replace(progress(reviewed), outputs={"credit_code": "x"}))


def test_social_security_may_escalate_a_retirement_the_bundle_sends_to_its_rules(coordinator, bus):
    application_id = coordinator.submit("retirement", {**SPECIAL, "post_type": "production"}, caller=RETIREE)
    [dispatch] = bus.sent
    assert dispatch.review == ""
    coordinator.check_answer(progress(dispatch, reasons=["a gap in the contribution record"]))
    coordinator.record_results([progress(dispatch, reasons=["a gap in the contribution record"])])
    step = coordinator.get_application(application_id).steps["retirement_approval"]
    assert (step.status, step.case.reasons) == ("WITH_OFFICER", ["a gap in the contribution record"])


def test_a_step_with_an_officer_is_chased_and_flagged_overdue_but_never_given_up(coordinator, bus, tick):
    application_id = coordinator.submit("retirement", SPECIAL, caller=RETIREE)
    [dispatch] = bus.sent
    assert dispatch.review == "OFFICER"
    coordinator.record_results([progress(dispatch)])
    for _ in range(30):
        tick(minutes=10)
    application = coordinator.get_application(application_id)
    step = application.steps["retirement_approval"]
    assert step.status == "WITH_OFFICER" and step.sends > step.retry.attempts and application.status == "IN_PROGRESS"
    resent = [d for d in bus.sent if d.command_id == dispatch.command_id]
    assert len(resent) == step.sends and {d.review for d in resent} == {"OFFICER"}, "every re-send asks for an officer"
    tick(days=5)
    assert coordinator.get_application(application_id).steps["retirement_approval"].overdue_since is not None


def replayed(coordinator, application_id):
    aggregate = None
    for stored in coordinator.history(application_id):
        aggregate = stored.mutate(aggregate)
    return aggregate


def test_every_new_event_replays_to_the_same_application_and_each_version_to_its_moment(coordinator, bus):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    first = registration(bus)
    coordinator.record_results([progress(first)])
    coordinator.record_results([progress(first, officer="mr-0007")])
    coordinator.record_results([returned(first, "mr-0007", {"company_name": "依据?"})])
    with coordinator._changing(application_id) as changing:
        changing.reopen_returned(START)
        changing.advance(START, coordinator.new_id)
    coordinator.record_results([decided(registration(bus), "mr-0008")])
    live = coordinator.get_application(application_id)
    kinds = {type(e) for e in coordinator.history(application_id)}
    assert {OfficerReview.StepWithOfficer, OfficerReview.StepDecidedByOfficer, OfficerReview.StepReturned,
            OfficerReview.ReturnedStepReopened} <= kinds
    assert replayed(coordinator, application_id).steps == live.steps
    at_return = coordinator.get_application(application_id, version=6)  # ... StepDecidedByOfficer, StepReturned
    assert at_return.steps["business_registration"].status == "RETURNED"
    statuses = [event_message(e, "IN_PROGRESS", live.departments) for e in coordinator.history(application_id)]
    assert [m.result.get("officer") for m in statuses if m.type == "StepWithOfficer"] == [None, "mr-0007", "mr-0008"]


def as_unreviewed_v1(topic: str, fields: dict) -> str:
    if topic.endswith((".StepDispatched", ".CommandResent", ".StepRetried")):
        assert fields.pop("class_version") == 2
        fields.pop("review"), fields.pop("review_reasons")
    return topic


def test_commands_stored_before_review_load_and_are_relayed_for_the_departments_rules(coordinator, bus, tick):
    application_id = coordinator.submit("retirement", SPECIAL, caller=RETIREE)
    tick(seconds=30)  # a re-send: CommandResent
    copy_id = copied(coordinator, application_id, as_unreviewed_v1)
    loaded = coordinator.get_application(copy_id)
    assert loaded.steps["retirement_approval"].case.review == ""
    relayed = RecordingBus()
    CommandRelay(coordinator.recorder, coordinator.mapper, relayed, fresh_positions()).relay_pending()
    copies = [d for d in relayed.sent if d.application_id == copy_id]
    assert len(copies) == 2 and {(d.review, d.review_reasons) for d in copies} == {("", ())}
    state = {"review": "x"}
    Application.StepDispatched.upcast_v1_v2(state)
    assert state == {"review": "x", "review_reasons": []}


def test_the_relay_publishes_who_decides(coordinator, bus):
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    [event] = [e for e in coordinator.history(registration(bus).application_id)
               if isinstance(e, Application.StepDispatched)]
    assert dispatch_of(event).review == "OFFICER" and dispatch_of(event).review_reasons


def test_an_operators_retry_of_an_overdue_step_with_an_officer_asks_for_one_again(coordinator, bus, tick):
    application_id = coordinator.submit("retirement", SPECIAL, caller=RETIREE)
    coordinator.record_results([progress(bus.sent[0])])
    tick(days=6)
    coordinator.retry_step(application_id, "retirement_approval", "ops-7", "department back")
    assert bus.sent[-1].review == "OFFICER" and bus.sent[-1].command_id == bus.sent[0].command_id
    assert coordinator.get_application(application_id).steps["retirement_approval"].status == "DISPATCHED"


def test_progress_for_an_unknown_step_or_an_old_command_changes_nothing(coordinator, bus):
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    assert coordinator.record_results([dataclasses.replace(progress(dispatch), step="wedding_photo")]) == [False]
    old = dataclasses.replace(progress(dispatch), command_id=str(uuid.uuid4()))
    assert coordinator.record_results([old]) == [False]


class FakeChannel:
    """What the partition consumer does with the broker's channel: acks, and publishes dead letters."""

    def __init__(self):
        self.acked, self.dead = [], []

    def basic_ack(self, tag):
        self.acked.append(tag)

    def basic_nack(self, tag, requeue):
        raise AssertionError("nothing is returned here")

    def basic_publish(self, exchange, routing_key, body, properties):
        self.dead.append(properties.headers["x-error"])


def delivered(tag: int, kind: str, message) -> tuple:
    return (SimpleNamespace(delivery_tag=tag, routing_key="p00"),
            SimpleNamespace(type=kind, headers={}, message_id=f"m{tag}", content_type="application/x-protobuf"),
            message.SerializeToString())


def test_the_results_queue_tells_progress_from_results_by_the_amqp_type_and_records_both_in_order(coordinator, bus):
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    dispatch = registration(bus)
    ids = dict(command_id=dispatch.command_id, application_id=str(dispatch.application_id), step=dispatch.step,
               department="market_regulation")
    opened = steps_pb2.StepProgress(**ids, state=steps_pb2.StepProgress.WITH_OFFICER, officer="mr-0007",
                                    reasons=["the name"])
    opened.since.FromDatetime(START)
    result = steps_pb2.StepResult(**ids, outcome=steps_pb2.StepResult.COMPLETED, outputs=REGISTERED,
                                  decided_by="mr-0007")
    unclear = steps_pb2.StepProgress(**ids)  # no state: malformed
    recorded: list[StepAnswer] = []
    consumer = PartitionConsumer("amqp://guest:guest@127.0.0.1:5672/%2F", Topology("t"), [],
                                 record=lambda answers: recorded.extend(answers) or coordinator.record_results(answers),
                                 check=coordinator.check_answer)
    channel = FakeChannel()
    consumer._apply(channel, [delivered(1, PROGRESS_TYPE, opened), delivered(2, RESULT_TYPE, result),
                              delivered(3, PROGRESS_TYPE, unclear)])
    assert [a.outcome for a in recorded] == [Outcome.WITH_OFFICER, Outcome.COMPLETED]
    assert (recorded[0].officer, recorded[0].since, recorded[1].decided_by) == ("mr-0007", START, "mr-0007")
    assert sorted(channel.acked) == [1, 2, 3] and len(channel.dead) == 1
    assert channel.dead[0].startswith("malformed StepProgress")
    step = coordinator.get_application(dispatch.application_id).steps["business_registration"]
    assert (step.status, step.case.decided_by) == ("COMPLETED", "mr-0007")
