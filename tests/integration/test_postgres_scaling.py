"""The parts that let several coordinators and department instances share one PostgreSQL, on the real
database: the gap-aware log reader, advisory-lock leases, projections and the relay's position shared
by two coordinators, and a department register two instances decide commands in."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import psycopg
import pytest

from deploy.sample_forms import newborn_form
from saga.adapters.leases import PostgresLeases
from saga.adapters.log import GapAwareLog
from saga.bootstrap import migrate, wire
from saga.config import Config
from services.common.domain import Department, DuplicateRecord, Inputs
from services.common.postgres_register import PostgresRegister, create_schema
from tests.support.fakes import AGENT, MOTHER, RecordingBus, SeededRegisters
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def database():
    with fresh_database() as url:
        yield url


@pytest.fixture
def config(database, tmp_path):
    config = Config(data_dir=tmp_path, event_store=database)
    migrate(config)
    return config


def coordinator_of(config, bus=None, lookups=None):
    return wire(config, bus=bus or RecordingBus(), clock=lambda: NOW, lookups=lookups)


def insert_uncommitted(database: str) -> psycopg.Connection:
    """A writer holding a notification id in an open transaction, as the insert function would."""
    connection = psycopg.connect(database)
    connection.execute("SELECT pg_current_xact_id()")
    connection.execute("INSERT INTO lifeevents_events (originator_id, originator_version, topic, state) "
                       "VALUES (%s, 1, 'test:Topic', '\\x00')", (uuid.uuid4(),))
    return connection


def test_a_follower_stops_at_a_gap_until_the_writer_that_holds_it_commits(config, database):
    wiring = coordinator_of(config)
    log = GapAwareLog(wiring.coordinator.recorder)
    held = insert_uncommitted(database)  # takes the next id and does not commit yet
    wiring.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)  # later ids, committed
    assert wiring.coordinator.recorder.max_notification_id() >= 2
    assert log.read(0, 100) == [] and log.read(0, 100) == [], "not past the gap while its writer runs"
    held.commit()
    held.close()
    assert [n.id for n in log.read(0, 100)] == list(range(1, wiring.coordinator.recorder.max_notification_id() + 1))
    wiring.close()


def test_a_gap_no_writer_can_fill_is_passed(config, database):
    wiring = coordinator_of(config)
    log = GapAwareLog(wiring.coordinator.recorder)
    failed = insert_uncommitted(database)
    wiring.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
    assert log.read(0, 100) == []
    failed.rollback()  # the id is never used
    failed.close()
    ids = [n.id for n in log.read(0, 100)]  # the gap again, and its writers are over now
    assert ids and ids[0] == 2 and ids == list(range(2, ids[-1] + 1))
    wiring.close()


def test_a_new_coordinator_starts_from_the_shared_positions_and_publishes_no_history(config):
    first_bus = RecordingBus()
    first = coordinator_of(config, first_bus)
    for _ in range(3):
        first.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
    first.scheduler.tick()
    assert len(first_bus.sent) == 3
    second_bus = RecordingBus()
    second = coordinator_of(config, second_bus)  # another instance on the same store
    assert second.relay.relay_pending() == 0 and second_bus.sent == []
    assert second.scheduler.follow() == 0, "the timer index is shared too"
    application_id = second.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
    assert [d.application_id for d in second_bus.sent] == [application_id], "relayed from the shared position"
    first.relay.set_active(True)  # taking the relay over reads the position again
    assert first.relay.relay_pending() == 0 and len(first_bus.sent) == 3
    first.scheduler.tick()  # the instance that follows the log into the read models
    assert second.queries.applications()[1] == 4, "one read model, read by any instance"
    first.close()
    second.close()


def test_the_parties_read_model_is_shared_by_every_coordinator_and_rebuilds_the_same(config):
    first, second = coordinator_of(config), coordinator_of(config)
    until = NOW + dt.timedelta(days=30)
    first.coordinator.grant_delegation(AGENT.subject, "newborn", until, caller=MOTHER)
    own = first.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
    for_her = second.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=AGENT)
    second.coordinator.grant_delegation(AGENT.subject, "newborn", until + dt.timedelta(days=1), caller=MOTHER)
    second.coordinator.grant_delegation(AGENT.subject, "retirement", until, caller=MOTHER)
    second.coordinator.revoke_delegation(AGENT.subject, "retirement", caller=MOTHER)
    first.scheduler.tick()  # the instance that follows the log into the read models
    mine, total = second.queries.mine(MOTHER.subject)
    assert total == 2 and {(a.id, role) for a, role in mine} == {(own, "principal"), (for_her, "principal")}
    assert [(a.id, role) for a, role in second.queries.mine(AGENT.subject)[0]] == [(for_her, "agent")]
    delegations = {d["bundle"]: d for d in second.queries.delegations(MOTHER.subject)}
    assert dt.datetime.fromisoformat(delegations["newborn"]["until"]) == until + dt.timedelta(days=1), "renewed"
    assert delegations["newborn"]["revoked_at"] is None and delegations["retirement"]["revoked_at"] is not None
    before = (second.queries.mine(MOTHER.subject), second.queries.delegations(AGENT.subject))
    assert list(second.queries.rebuild())[-1].done
    assert (second.queries.mine(MOTHER.subject), second.queries.delegations(AGENT.subject)) == before
    first.close()
    second.close()


def test_submits_on_two_coordinators_appending_to_one_data_access_log_all_succeed(config):
    """Each Submit looks the mother's name up, a read recorded in her data-access log in the Submit's
    transaction; two coordinators appending to that log at once conflict in the store, and the loser
    saves again instead of failing."""
    coordinators = [coordinator_of(config, lookups=SeededRegisters()) for _ in range(2)]
    submitted, failures, start = [], [], threading.Barrier(8)

    def submit(coordinator):
        start.wait()
        for _ in range(5):
            try:
                submitted.append(coordinator.submit("newborn", newborn_form(birth_date="2026-11-19", mother_name=None),
                                                    caller=MOTHER))
            except Exception as err:  # noqa: BLE001 - counted, and the test says which
                failures.append(repr(err))

    threads = [threading.Thread(target=submit, args=(coordinators[n % 2].coordinator,)) for n in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert failures == [] and len(submitted) == 40
    entries = coordinators[0].coordinator.data_access(MOTHER.subject, limit=1000)
    assert {e.application_id for e in entries} == {str(a) for a in submitted}
    verification = coordinators[0].queries.verify_access_logs()
    assert verification.broken is None and verification.entries == len(entries)
    for wiring in coordinators:
        wiring.close()


def test_a_lease_is_held_by_one_session_and_freed_when_it_dies(config, database):
    env = config.event_store_env()
    first, second = PostgresLeases(env, "test", "first"), PostgresLeases(env, "test", "second")
    assert first.acquire("relay") and not second.acquire("relay")
    assert first.acquire("member:0") and second.acquire("member:1") and first.members() == 2
    with psycopg.connect(database, autocommit=True) as admin:  # the holder's process dies
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name=%s",
                      ("lifeevents first",))
    assert not first.alive()
    assert second.acquire("relay") and second.members() == 1
    first.close()
    second.close()


class Counting(Department):
    name = "counting"
    actions = ("issue",)

    def issue(self, inputs: Inputs, today: dt.date) -> dict:
        number = self.register.next_number("certificate")
        self.register.put("certificate", str(number), {"number": number, "for": inputs.required("who")})
        return {"number": number}


def test_two_instances_of_a_department_decide_a_command_once_and_never_issue_a_number_twice(database):
    create_schema(database, "counting")
    instances = [Counting(PostgresRegister(database, "counting")) for _ in range(2)]
    decisions, failures, start = [], [], threading.Barrier(2)

    def decide(department, command_id, who):
        start.wait()
        try:
            decisions.append(department.handle(command_id, "issue", {"who": who}))
        except DuplicateRecord:  # the other decided it first: the redelivery gets its decision
            failures.append(command_id)
            decisions.append(department.handle(command_id, "issue", {"who": who}))

    for round_ in range(20):
        threads = [threading.Thread(target=decide, args=(d, f"same-{round_}", f"child {round_}")) for d in instances]
        [t.start() for t in threads]
        [t.join() for t in threads]
        start.reset()
    numbers = [r["number"] for r in instances[0].register.all("certificate")]
    assert len(numbers) == 20 == len(set(numbers)), "one effect per command, each number once"
    assert len({d.outputs["number"] for d in decisions}) == 20, "both instances answer with the same decision"
    for department in instances:
        department.register.close()


def test_lifeevents_migrate_creates_every_table_and_a_second_run_changes_nothing(database, tmp_path, monkeypatch):
    from lifeevents.cli import main as lifeevents

    monkeypatch.setenv("LIFEEVENTS_EVENT_STORE", database)
    monkeypatch.setenv("LIFEEVENTS_REGISTER_URL", database)
    monkeypatch.setenv("LIFEEVENTS_DATA_DIR", str(tmp_path))
    assert lifeevents(["migrate"]) == 0 and lifeevents(["migrate"]) == 0
    with psycopg.connect(database) as connection:
        tables = {f"{schema}.{name}" for schema, name in connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables")}
        functions = {name for (name,) in connection.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'es_%'")}
    assert {"public.lifeevents_events", "public.tracking", "public.timers", "public.applications",
            "public.pending_steps", "public.parties", "public.delegations", "health.records", "health.counters",
            "housing_fund.records"} <= tables
    assert "es_insert_events_uuid" in functions


def test_an_instance_creates_no_table(database, tmp_path):
    with pytest.raises(Exception, match="lifeevents_events|tracking|does not exist"):
        wiring = coordinator_of(Config(data_dir=tmp_path, event_store=database))
        wiring.coordinator.submit("newborn", newborn_form(birth_date="2026-11-19"), caller=MOTHER)
