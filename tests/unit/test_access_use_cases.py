"""Who calls, in the coordinator's use cases (wired as in production, with the seeded registers): the
door decides who the form is for before looking anything else up, a refused Submit stores nothing,
delegations let an agent act, reads by others are recorded in the same transaction as what caused
them (and made again when another coordinator appended to the same log meanwhile), ids do not follow
from idempotency keys."""
import datetime as dt

import pytest

from deploy.sample_forms import example_form, newborn_form
from saga.coordinator import Coordinator
from saga.domain.access import Purpose, SightKind
from saga.domain.access_log import AccessLog
from saga.domain.errors import FormInvalid, IdempotencyKeyReused, NoSuchDelegation, NotVisible, PermissionDenied
from tests.support.fakes import (AGENT, MOTHER, OPERATOR, START, STRANGER, SeededRegisters, SteppingClock, officer,
                                 shipped_bundles, shipped_catalogue)
from saga.domain.reads import Read

RETIREE = "370202196603150134"  # 刘建军: the retirement example's person
NEWBORN = newborn_form(birth_date="2026-11-18")


def stored(coordinator) -> int:
    return coordinator.recorder.max_notification_id() or 0


def test_a_retirement_for_someone_else_is_refused_before_anything_is_looked_up_and_nothing_is_stored(
        coordinator, registers):
    with pytest.raises(PermissionDenied) as err:
        coordinator.submit("retirement", example_form("retirement"), caller=MOTHER)
    assert err.value.field == "form.resident_id"
    assert registers.asked == [], "nobody learns what the registers hold about someone else"
    assert stored(coordinator) == 0


def test_the_person_retiring_may_and_their_register_reads_are_stored_with_the_application(coordinator, registers):
    retiree = MOTHER.__class__(RETIREE, MOTHER.role)
    form = {**example_form("retirement"), "contribution_years": "31"}  # the seed has no contribution record
    application_id = coordinator.submit("retirement", form, caller=retiree)
    application = coordinator.get_application(application_id)
    assert (application.principals, application.agent) == ([RETIREE], "")
    [read] = coordinator.data_access(RETIREE)
    assert (read.accessor, read.accessor_role, read.department, read.items, read.on_behalf_of, read.application_id) == (
        "coordinator", "service", "civil_registration", ["birth_date", "sex"], RETIREE, str(application_id))
    # One transaction: the application and the entry are the same save.
    [recording] = [n for n in coordinator.recorder.select_notifications(start=1, limit=100)
                   if n.originator_id == AccessLog.id_for(RETIREE) and n.originator_version == 2]
    submitted = next(n for n in coordinator.recorder.select_notifications(start=1, limit=100)
                     if n.originator_id == application_id and n.originator_version == 1)
    assert recording.id > submitted.id and recording.id - submitted.id < 10


def test_a_deregistration_is_the_legal_representatives_as_the_market_register_holds_them(coordinator):
    form = example_form("deregistration")  # 91370202900000014F, legal representative 王建国
    legal_rep = MOTHER.__class__("370202199003070011", MOTHER.role)
    with pytest.raises(FormInvalid) as err:
        coordinator.submit("deregistration", {**form, "legal_rep_id": MOTHER.subject}, caller=MOTHER)
    assert [e.field for e in err.value.errors] == ["form.legal_rep_id"], "an entered value the register contradicts"
    with pytest.raises(PermissionDenied) as err:
        coordinator.submit("deregistration", {k: v for k, v in form.items() if k != "legal_rep_id"}, caller=MOTHER)
    assert err.value.field == "form.legal_rep_id"
    application_id = coordinator.submit("deregistration", {k: v for k, v in form.items() if k != "legal_rep_id"},
                                        caller=legal_rep)
    assert coordinator.get_application(application_id).form["legal_rep_id"] == legal_rep.subject


def test_an_agent_submits_and_follows_under_a_delegation_and_not_after_it_is_revoked(coordinator, clock):
    with pytest.raises(PermissionDenied):
        coordinator.submit("newborn", NEWBORN, caller=AGENT)
    coordinator.grant_delegation(AGENT.subject, "newborn", START + dt.timedelta(days=30), caller=MOTHER)
    application_id = coordinator.submit("newborn", NEWBORN, caller=AGENT)
    application = coordinator.get_application(application_id)
    assert (application.principals, application.agent) == (["370202199205140022", "370202199003070011"],
                                                            AGENT.subject)
    _, sight = coordinator.open_application(application_id, caller=AGENT)
    assert sight.kind is SightKind.AGENT
    assert [e.accessor for e in coordinator.data_access(MOTHER.subject)] == [AGENT.subject]

    coordinator.revoke_delegation(AGENT.subject, "newborn", caller=MOTHER)
    with pytest.raises(NotVisible):
        coordinator.open_application(application_id, caller=AGENT)
    with pytest.raises(PermissionDenied):
        coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=AGENT)
    assert [e.allowed for e in coordinator.data_access(MOTHER.subject)] == [False, True], "the refusal, newest first"
    with pytest.raises(NoSuchDelegation):
        coordinator.revoke_delegation(STRANGER.subject, "newborn", caller=MOTHER)


def test_a_delegation_runs_out_on_its_own(coordinator, clock):
    coordinator.grant_delegation(AGENT.subject, "newborn", START + dt.timedelta(days=1), caller=MOTHER)
    coordinator.submit("newborn", NEWBORN, caller=AGENT)
    clock.advance(days=1)
    with pytest.raises(PermissionDenied):
        coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=AGENT)


def test_officers_opening_a_case_and_strangers_trying_are_recorded_for_each_principal(coordinator):
    application_id = coordinator.submit("newborn", NEWBORN, caller=MOTHER)
    _, sight = coordinator.open_application(application_id, caller=officer("health", "H-1"))
    assert sight.steps == {"birth_certificate", "vaccination_record"}
    with pytest.raises(NotVisible):
        coordinator.open_application(application_id, caller=officer("tax"))
    with pytest.raises(NotVisible):
        coordinator.open_application(application_id, caller=STRANGER)
    _, own = coordinator.open_application(application_id, caller=MOTHER)
    assert own.kind is SightKind.PRINCIPAL
    entries = [(e.accessor, e.allowed, e.items) for e in reversed(coordinator.data_access(MOTHER.subject))]
    assert entries == [("H-1", True, ["birth_certificate_no", "birth_date", "birth_hospital", "child_name", "child_sex",
                                      "contact_phone", "father_id", "father_name", "mother_id", "mother_name"]),
                       ("officer-1", False, []), (STRANGER.subject, False, [])]
    assert [e.accessor for e in coordinator.data_access("370202199003070011")] == [
        STRANGER.subject, "officer-1", "H-1"], "the father is a principal too"


def test_an_operators_history_is_recorded_with_the_reason(coordinator):
    application_id = coordinator.submit("newborn", NEWBORN, caller=MOTHER)
    coordinator.open_application(application_id, Purpose.HISTORY, "ticket 4711", caller=OPERATOR)
    [entry] = coordinator.data_access(MOTHER.subject)
    assert (entry.accessor, entry.accessor_role, entry.purpose) == ("ops-7", "operator", "history: ticket 4711")


def test_ids_do_not_follow_from_keys_and_a_key_is_not_reused_for_another_form(coordinator):
    mine = coordinator.submit("newborn", NEWBORN, idempotency_key="k1", caller=MOTHER)
    assert coordinator.submit("newborn", NEWBORN, idempotency_key="k1", caller=MOTHER) == mine
    father = MOTHER.__class__("370202199003070011", MOTHER.role)
    assert coordinator.submit("newborn", NEWBORN, idempotency_key="k1", caller=father) != mine, "the father's own key"
    before = stored(coordinator)
    with pytest.raises(IdempotencyKeyReused):
        coordinator.submit("newborn", {**NEWBORN, "child_name": "王另一"}, idempotency_key="k1", caller=MOTHER)
    assert stored(coordinator) == before


def test_the_data_access_log_is_a_chain_that_verifies(coordinator, wiring):
    for _ in range(3):
        application_id = coordinator.submit("newborn", {**NEWBORN, "mailing_address": ""}, caller=MOTHER)
        coordinator.open_application(application_id, caller=officer("front_desk"))
    entries = list(reversed(coordinator.data_access(MOTHER.subject)))
    assert len(entries) == 6 and entries[0].previous_hash == "0" * 64
    assert all(later.previous_hash == earlier.entry_hash for earlier, later in zip(entries, entries[1:]))
    verification = wiring.queries.verify_access_logs()
    assert (verification.chains, verification.entries, verification.broken) == (2, 9, None)


def test_a_stored_application_without_principals_falls_back_on_its_forms_principal_fields(coordinator):
    application_id = coordinator.submit("newborn", NEWBORN, caller=MOTHER)
    application = coordinator.get_application(application_id)
    application.principals = []  # as a version 1 stream loads (tests/unit/test_upcasting.py)
    assert coordinator.principals_of(application) == ["370202199205140022", "370202199003070011"]


class TwoCoordinators:
    """Two coordinators on one SQLite store, as two instances share PostgreSQL: the first is raced by
    the second, which appends to a person's data-access log between the first reading that log and
    saving to it."""

    def __init__(self, tmp_path):
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "events.sqlite"),
               "CREATE_TABLE": "y"}
        self.first, self.second = (Coordinator(shipped_bundles(), SteppingClock(), env, SeededRegisters(),
                                               catalogue=shipped_catalogue()) for _ in range(2))
        self.raced = 0
        reading = self.first._logs_with

        def raced_once(reads, now):
            logs = reading(reads, now)
            if not self.raced:
                self.raced += 1
                self.second.record_reads([Read(RETIREE, "officer-9", "officer", "social_security", ("name",), "",
                                               "opening the case")])
            return logs
        self.first._logs_with = raced_once

    def close(self):
        self.first.close()
        self.second.close()


def test_a_submit_whose_data_access_log_another_coordinator_appended_to_meanwhile_is_saved_again(tmp_path):
    coordinators = TwoCoordinators(tmp_path)
    try:
        retiree = MOTHER.__class__(RETIREE, MOTHER.role)
        form = {**example_form("retirement"), "contribution_years": "31"}
        application_id = coordinators.first.submit("retirement", form, caller=retiree)
        assert coordinators.raced == 1
        assert coordinators.first.get_application(application_id).principals == [RETIREE]
        entries = coordinators.first.data_access(RETIREE)
        assert [(e.accessor, e.application_id) for e in entries] == [
            ("coordinator", str(application_id)), ("officer-9", "")], "both appends, the raced one second"
    finally:
        coordinators.close()


def test_a_read_whose_data_access_log_another_coordinator_appended_to_meanwhile_is_recorded_again(tmp_path):
    coordinators = TwoCoordinators(tmp_path)
    try:
        coordinators.first.record_reads([Read(RETIREE, "ops-7", "operator", "", ("form",), "", "history: ticket 1")])
        assert coordinators.raced == 1
        assert [e.accessor for e in coordinators.first.data_access(RETIREE)] == ["ops-7", "officer-9"]
    finally:
        coordinators.close()
