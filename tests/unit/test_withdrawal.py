"""Withdrawal (saga/domain/withdrawal.py): the applicant withdraws before the end; the steps in flight
are waited for, what was done and declares an undo is undone, the rest is cancelled, and the
application ends WITHDRAWN with the reason. After the end, and for an offer, it is refused; only the
principal or their agent may, everyone else is refused both ways."""
import datetime as dt

import pytest

from saga.domain.application import Application
from saga.domain.errors import NotVisible, PermissionDenied, WithdrawalRefused
from saga.domain.withdrawal import Withdrawal
from tests.support.fakes import AGENT, MOTHER, OPERATOR, STARTUP_FORM as STARTUP, STRANGER, officer
from tests.unit.test_compensation import CODE, answer, registered


def test_a_withdrawal_waits_for_the_steps_in_flight_undoes_what_was_done_and_ends_withdrawn(coordinator, bus):
    application_id, parallel = registered(coordinator, bus)
    answer(coordinator, application_id, parallel["seals"], seal_set_no="Y1", seal_count="4", fee_yuan="0")
    application, _ = coordinator.withdraw(application_id, "we chose another city", caller=MOTHER)
    assert application.status == "COMPENSATING"
    assert application.withdrawal.reason == "we chose another city" and application.withdrawal.by == MOTHER.subject
    assert bus.sent[-1].action == "cancel_seals"  # the latest completed undo goes first
    answer(coordinator, application_id, bus.sent[-1], ok="1")
    # four steps still in flight: registration waits for them; their answers are recorded
    for step in ("social_insurance", "medical_insurance", "housing_fund"):
        answer(coordinator, application_id, parallel[step], completed=False)
    assert coordinator.get_application(application_id).status == "COMPENSATING"
    assert bus.sent[-1].action == "cancel_seals"  # registration waits while tax registration is in flight
    answer(coordinator, application_id, parallel["tax_registration"], tax_no="T1")
    assert coordinator.get_application(application_id).steps["tax_registration"].result == {"tax_no": "T1"}
    assert bus.sent[-1].action == "withdraw_registration"
    while (application := coordinator.get_application(application_id)).status == "COMPENSATING":
        answer(coordinator, application_id, bus.sent[-1], ok="1")
    assert application.status == "WITHDRAWN"
    assert application.reasons == ["withdrawn by the applicant: we chose another city"]
    assert application.steps["business_registration"].status == "COMPENSATED"
    assert application.steps["seals"].status == "COMPENSATED"
    assert application.steps["social_insurance"].status == "REJECTED"
    history = coordinator.history(application_id)
    assert isinstance(history[-1], Withdrawal.Withdrawn)
    assert any(isinstance(e, Withdrawal.WithdrawalRequested) for e in history)


def test_an_ended_application_cannot_be_withdrawn(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    answer(coordinator, application_id, registration, completed=False)  # rejected: nothing to withdraw
    with pytest.raises(WithdrawalRefused, match="ended"):
        coordinator.withdraw(application_id, "too late", caller=MOTHER)


def test_a_step_in_flight_without_an_undo_is_waited_for(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    application, _ = coordinator.withdraw(application_id, "changed my mind", caller=MOTHER)
    assert application.status == "COMPENSATING"
    assert {s.id: s.status for s in application.steps.values() if s.id != "business_registration"} == {
        s: "CANCELLED" for s in ("seals", "tax_registration", "social_insurance", "medical_insurance", "housing_fund")}
    answer(coordinator, application_id, registration, credit_code=CODE, licence_no="1")
    assert bus.sent[-1].action == "withdraw_registration"  # done meanwhile: undone
    answer(coordinator, application_id, bus.sent[-1], ok="1")
    application = coordinator.get_application(application_id)
    assert application.status == "WITHDRAWN" and application.settled_at is not None


def test_after_the_end_and_while_ending_a_withdrawal_is_refused(coordinator, bus):
    application_id, parallel = registered(coordinator, bus)
    coordinator.withdraw(application_id, "first", caller=MOTHER)
    with pytest.raises(WithdrawalRefused, match="ending already"):
        coordinator.withdraw(application_id, "second", caller=MOTHER)


def test_only_the_principal_or_their_agent_may_withdraw(coordinator, bus, clock):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    for stranger in (STRANGER, AGENT):  # no delegation: as if it did not exist
        with pytest.raises(NotVisible):
            coordinator.withdraw(application_id, "not mine", caller=stranger)
    for staff in (officer("market_regulation"), OPERATOR):
        with pytest.raises(PermissionDenied):
            coordinator.withdraw(application_id, "not mine", caller=staff)
    assert coordinator.get_application(application_id).status == "IN_PROGRESS"
    coordinator.grant_delegation(AGENT.subject, "startup", clock() + dt.timedelta(days=30), caller=MOTHER)
    application, sight = coordinator.withdraw(application_id, "for her", caller=AGENT)
    assert application.withdrawal.agent == AGENT.subject and sight.kind.value == "agent"


def test_a_withdrawal_replays_from_the_stream(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    coordinator.withdraw(application_id, "changed my mind", caller=MOTHER)
    answer(coordinator, application_id, registration, completed=False)
    replayed = None
    for event in coordinator.history(application_id):
        replayed = event.mutate(replayed)
    assert replayed.status == "WITHDRAWN" and replayed.withdrawal.reason == "changed my mind"
    stored = coordinator.get_application(application_id)
    assert (replayed.status, replayed.reasons, replayed.version) == (stored.status, stored.reasons, stored.version)
    assert Application.Withdrawn is not Withdrawal.Withdrawn  # dispatch on the mixin's class
