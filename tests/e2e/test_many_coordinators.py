"""Two coordinator processes on one PostgreSQL event store and one RabbitMQ prefix, with the real
departments: the work is shared (one relay, the partitions split), nothing is published twice, Watch
on one instance sees every version the other wrote, and when the instance holding the relay is
killed -9 the other takes the relay and its partitions over within seconds."""
from __future__ import annotations

import json
import re
import signal
import time
import urllib.request

import pika
import pytest

from deploy.local import AMQP_URI, LocalTokens, PrivateSuite
from deploy.sample_forms import MOTHER, newborn_form
from deploy.suite import free_port
from lifeevents.client import ApplicantClient
from lifeevents.endpoints import DEPARTMENTS
from lifeevents.v1 import applications_pb2 as pb
from saga.adapters.leases import lease_holders
from saga.config import Config
from tests.support.polling import eventually
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.e2e
PARTITIONS = 16


@pytest.fixture(scope="module")
def database():
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def suite(database, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("many-coordinators")
    with PrivateSuite(data_dir, LIFEEVENTS_EVENT_STORE=database, LIFEEVENTS_INSTANCE="first") as suite:
        second, metrics = f"127.0.0.1:{free_port()}", free_port()
        suite.start_process("coordinator#2", {"LIFEEVENTS_GRPC_ADDRESS": second, "LIFEEVENTS_INSTANCE": "second",
                                              "LIFEEVENTS_METRICS_ADDRESS": f"127.0.0.1:{metrics}",
                                              "LIFEEVENTS_LOG_FORMAT": "json"})
        suite.wait_ready(("coordinator#2",), 60)
        suite.addresses = {"first": suite.coordinator_address, "second": second}
        suite.metrics = f"http://127.0.0.1:{metrics}/metrics"
        yield suite


def as_mother(suite, address: str) -> ApplicantClient:
    """A client of one coordinator, as the mother the forms name (tokens of the suite's key: every
    coordinator of the suite shares its data directory, so they all trust it)."""
    return ApplicantClient(address, LocalTokens(suite.data_dir).citizen(MOTHER))


def holders(suite) -> dict[str, str]:
    return lease_holders(Config(event_store=suite.settings["LIFEEVENTS_EVENT_STORE"]).event_store_env(),
                         suite.topology.prefix, PARTITIONS)


class CommandTap:
    """A queue of the test's own that receives a copy of every step command published."""

    def __init__(self, suite):
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
        self.channel = self.connection.channel()
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        for department in DEPARTMENTS:
            self.channel.queue_bind(self.queue, suite.topology.commands_exchange, department)

    def count(self) -> int:
        return self.channel.queue_declare(self.queue, passive=True).method.message_count

    def close(self) -> None:
        self.connection.close()


def test_two_coordinators_share_the_work_without_doing_it_twice(suite):
    def shared() -> dict[str, str]:
        owners = holders(suite)
        partitions = [owner for name, owner in owners.items() if name.startswith("partition:")]
        assert len(partitions) == PARTITIONS and partitions.count("first") == partitions.count("second")
        return owners

    owners = eventually(shared, timeout=20)
    assert owners["relay"] == "first", "the first instance keeps the relay it took alone"
    tap = CommandTap(suite)
    with as_mother(suite, suite.addresses["first"]) as first, as_mother(suite, suite.addresses["second"]) as second:
        ids = [(first if n % 2 else second).submit(newborn_form()) for n in range(6)]
        for application_id in ids:
            # Watched on the instance that did not take the submission: every version, in order.
            watcher = second if ids.index(application_id) % 2 else first
            events = watcher.watch(application_id, timeout=60)
            assert [e.version for e in events] == list(range(1, len(events) + 1))
            assert events[-1].type == "Completed"
    eventually(lambda: tap.count() == 6 * 5, timeout=10)  # five steps each, each command published once
    time.sleep(1)
    assert tap.count() == 6 * 5, "nothing went out twice"
    tap.close()


def test_a_killed_relay_holder_is_replaced_within_seconds(suite):
    assert holders(suite)["relay"] == "first"
    killed = time.monotonic()
    suite.kill("coordinator", signal.SIGKILL)
    eventually(lambda: holders(suite).get("relay") == "second", timeout=15, interval=0.05)
    takeover_s = time.monotonic() - killed
    eventually(lambda: list(holders(suite).values()).count("second") == PARTITIONS + 2, timeout=15, interval=0.05)
    partitions_s = time.monotonic() - killed
    print(f"relay taken over in {takeover_s:.2f} s, every partition in {partitions_s:.2f} s")
    assert takeover_s < 5
    with as_mother(suite, suite.addresses["second"]) as survivor:
        application = survivor.settle(survivor.submit(newborn_form()), timeout=60)
        assert application.status == pb.Application.COMPLETED, suite.log_tail()


def test_the_survivor_reports_its_work_in_metrics_and_json_logs(suite):
    def scraped() -> str:
        # The survivor's read models follow the log it took over at their own pace: every sample
        # is waited for, not only the relay's role.
        text = urllib.request.urlopen(suite.metrics, timeout=5).read().decode()
        assert 'lifeevents_role{role="relay"} 1.0' in text
        owned = re.findall(r'lifeevents_partition_owned\{partition="(\d+)"\} 1\.0', text)
        assert len(owned) == PARTITIONS
        assert re.search(r'lifeevents_applications\{status="COMPLETED"\} [1-9]', text)
        assert re.search(r'lifeevents_commands_published_total\{department="health"\} [1-9]', text)
        assert 'lifeevents_step_seconds_bucket{department="civil_registration"' in text
        assert 'lifeevents_follower_lag_events{follower="relay"}' in text
        return text

    eventually(scraped, timeout=30)
    lines = [line.split("| ", 1)[1] for line in suite.log_tail(200_000).splitlines() if "coordinator#2 |" in line]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert entries and {"time", "level", "process", "logger", "message"} <= set(entries[-1])
    assert all(line.startswith("{") for line in lines[-20:]), "every line of the JSON process is JSON"


def test_a_coordinator_stopped_with_sigterm_hands_its_work_over_at_once(suite):
    third = f"127.0.0.1:{free_port()}"
    suite.start_process("coordinator#3", {"LIFEEVENTS_GRPC_ADDRESS": third, "LIFEEVENTS_INSTANCE": "third"})
    suite.wait_ready(("coordinator#3",), 60)
    eventually(lambda: "third" in holders(suite).values(), timeout=15)
    stopped = time.monotonic()
    process = suite.processes["coordinator#2"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0, "a clean exit"
    eventually(lambda: list(holders(suite).values()).count("third") == PARTITIONS + 2, timeout=10, interval=0.05)
    print(f"after SIGTERM, everything held by the other instance in {time.monotonic() - stopped:.2f} s")
    with as_mother(suite, third) as survivor:
        assert survivor.settle(survivor.submit(newborn_form()), timeout=60).status == pb.Application.COMPLETED
