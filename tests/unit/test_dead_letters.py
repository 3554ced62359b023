"""Dead letters and lost undos: a command given up as undeliverable fails its step with the error,
and the application compensates and ends FAILED; an unanswered undo is re-sent, then given up."""
import json
from types import SimpleNamespace

import pytest

from lifeevents.messaging import (COMMAND_TYPE, DELIVERY_LIMIT, dead_letter_headers, delivery_number, gives_up,
                                  retry_pause)
from lifeevents.v1 import steps_pb2
from saga.adapters.rabbitmq.dead_letters import read_dead_letter
from saga.adapters.timers import CHASE
from saga.domain.application import Application
from services.common.faults import FaultRules, InjectedFault
from tests.support.clients import newborn_form
from tests.support.fakes import MOTHER, STARTUP_FORM as STARTUP



def registered_startup(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    coordinator.record_result(application_id, "business_registration", registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    return application_id, {d.step: d for d in bus.sent[1:]}


def test_a_dead_lettered_command_fails_its_step_with_the_error(coordinator, bus):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [first] = bus.sent
    assert coordinator.dead_lettered(application_id, first.step, first.command_id, "InjectedFault: disk full")
    application = coordinator.get_application(application_id)
    step = application.steps[first.step]
    assert (application.status, step.status) == ("FAILED", "FAILED")
    assert step.reason == "dead-lettered: InjectedFault: disk full"
    assert application.reasons == ["birth_certificate (health): dead-lettered: InjectedFault: disk full"]
    assert [type(e) for e in coordinator.history(application_id)][-2:] == [Application.StepDeadLettered,
                                                                          Application.Failed]


def test_a_second_copy_of_a_dead_letter_changes_nothing(coordinator, bus):
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [first] = bus.sent
    coordinator.dead_lettered(application_id, first.step, first.command_id, "boom")
    version = coordinator.get_application(application_id).version
    assert not coordinator.dead_lettered(application_id, first.step, first.command_id, "boom")
    assert not coordinator.dead_lettered(application_id, first.step, "an-old-command", "boom")
    assert coordinator.get_application(application_id).version == version


def test_a_dead_letter_after_registration_undoes_the_registration_and_ends_failed(coordinator, bus):
    application_id, parallel = registered_startup(coordinator, bus)
    coordinator.dead_lettered(application_id, "seals", parallel["seals"].command_id, "poisoned")
    for step in ("tax_registration", "social_insurance", "medical_insurance", "housing_fund"):
        coordinator.record_result(application_id, step, parallel[step].command_id, True, {"n": "1"})
    while coordinator.get_application(application_id).status == "COMPENSATING":
        undo = bus.sent[-1]
        coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})
    application = coordinator.get_application(application_id)
    assert application.status == "FAILED"
    assert application.steps["business_registration"].status == "COMPENSATED"
    assert application.steps["seals"].status == "FAILED"


def test_a_lost_undo_is_re_sent_with_the_same_id_then_given_up(coordinator, bus, scheduler, tick):
    application_id, parallel = registered_startup(coordinator, bus)
    coordinator.record_result(application_id, "tax_registration", parallel["tax_registration"].command_id,
                              False, {}, "arrears")
    for step in ("seals", "social_insurance", "medical_insurance", "housing_fund"):
        coordinator.record_result(application_id, step, parallel[step].command_id, False, {}, "no")
    undo = bus.sent[-1]
    assert undo.action == "withdraw_registration"
    tick(seconds=30)
    resent = bus.sent[-1]
    assert (resent.command_id, resent.action, resent.inputs, resent.due_at) == (
        undo.command_id, undo.action, undo.inputs, undo.due_at), "the same undo, with the same command id"
    for _ in range(20):  # the department never answers the undo
        tick(minutes=10)
    application = coordinator.get_application(application_id)
    assert application.status == "REJECTED"
    assert "could not undo business_registration: no answer from market_regulation after 8 attempts" in \
        application.reasons
    assert sum(1 for d in bus.sent if d.command_id == undo.command_id) == 8
    assert scheduler.index.view.count(CHASE) == 0


def test_an_answer_to_the_undo_ends_its_chase(coordinator, bus, scheduler, tick):
    application_id, parallel = registered_startup(coordinator, bus)
    for step in ("tax_registration", "seals", "social_insurance", "medical_insurance", "housing_fund"):
        coordinator.record_result(application_id, step, parallel[step].command_id, False, {}, "no")
    undo = bus.sent[-1]
    coordinator.record_result(application_id, undo.step, undo.command_id, True, {"ok": "1"})
    scheduler.follow()
    assert scheduler.index.view.count(CHASE) == 0
    assert coordinator.get_application(application_id).status == "REJECTED"


def test_a_fault_is_returned_with_doubling_pauses_until_the_delivery_limit():
    assert delivery_number(None) == 1 and delivery_number({"x-delivery-count": 2}) == 3
    assert [retry_pause(n) for n in range(1, 7)] == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
    assert not gives_up(DELIVERY_LIMIT) and gives_up(DELIVERY_LIMIT + 1)


def test_a_dead_letter_carries_its_step_and_error():
    command = steps_pb2.StepCommand(command_id="c1", application_id="a1", step="seals", department="seals")
    headers = dead_letter_headers({"x-delivery-count": 5, "trace": "t"}, InjectedFault("register down"),
                                  "seals", 6, "2026-11-23T10:00:00+00:00")
    assert headers["trace"] == "t" and "x-delivery-count" not in headers
    letter = read_dead_letter(SimpleNamespace(type=COMMAND_TYPE, message_id="c1", headers=headers),
                              command.SerializeToString())
    assert (letter.application_id, letter.step, letter.command_id) == ("a1", "seals", "c1")
    assert (letter.error, letter.consumer, letter.deliveries) == ("register down", "seals", 6)


def test_a_dead_letter_the_broker_made_says_so():
    headers = {"x-death": [{"reason": "delivery_limit", "count": 1, "queue": "p.seals.commands"}]}
    letter = read_dead_letter(SimpleNamespace(type=COMMAND_TYPE, message_id="c1", headers=headers), b"\xff\xff")
    assert letter.error == "delivery_limit after 1 death(s) in p.seals.commands"
    assert letter.application_id == "" and letter.consumer == "broker"


def test_fault_rules_fail_the_matching_deliveries_only(tmp_path):
    path = tmp_path / "faults.json"
    rules = FaultRules(path)
    rules.check("health", "issue_birth_certificate", {}, 1)  # no file: no faults
    path.write_text(json.dumps([
        {"department": "health", "action": "issue_birth_certificate", "deliveries": 2, "error": "timeout"},
        {"department": "medical_insurance", "inputs": {"child_name": "毒药"}, "error": "poison"}]))
    with pytest.raises(InjectedFault, match="timeout"):
        rules.check("health", "issue_birth_certificate", {}, 2)
    rules.check("health", "issue_birth_certificate", {}, 3)
    rules.check("health", "open_vaccination_record", {}, 1)
    rules.check("medical_insurance", "enrol_newborn", {"child_name": "王小明"}, 1)
    with pytest.raises(InjectedFault, match="poison"):
        rules.check("medical_insurance", "enrol_newborn", {"child_name": "毒药"}, 99)
