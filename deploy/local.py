"""A suite of one's own on this machine: a private RabbitMQ prefix, free ports and a data directory
nobody else uses, so the tests, the benchmarks and the fault suite never touch a running `make run`
(nor each other).

It lives in deploy/, not in tests/, because the benchmarks start such a suite too; the settings are
the ones deploy/suite.py reads.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pika

from deploy.suite import Suite, SuiteError, free_port
from lifeevents.endpoints import DEPARTMENTS, port_variable
from lifeevents.messaging import Topology

AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/%2F"


def private_topology() -> Topology:
    """Exchange and queue names under a prefix of their own (nothing is declared yet)."""
    return Topology(f"test-{uuid.uuid4().hex[:10]}")


def delete_topology(topology: Topology, departments=DEPARTMENTS) -> None:
    """Delete every exchange and queue of the topology from the broker; what is absent is skipped."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    channel = connection.channel()
    for queue in [*topology.results_queues, topology.dead_letter_queue, topology.dead_letter_watch_queue,
                  *(topology.command_queue(d) for d in departments)]:
        channel.queue_delete(queue)
    for exchange in (topology.commands_exchange, topology.results_exchange, topology.dead_letter_exchange):
        channel.exchange_delete(exchange)
    connection.close()


def private_suite_env(topology: Topology, data_dir: Path) -> tuple[dict, dict]:
    """Settings for a suite of one's own (private data dir, ports and RabbitMQ prefix), and the
    address of each department's query API."""
    ports = {d: free_port() for d in DEPARTMENTS}
    env = {
        "LIFEEVENTS_DATA_DIR": str(data_dir),
        "LIFEEVENTS_AMQP_URI": AMQP_URI,
        "LIFEEVENTS_AMQP_PREFIX": topology.prefix,
        "LIFEEVENTS_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "LIFEEVENTS_EVENT_STORE": "sqlite",
        "LIFEEVENTS_CLOCK_OFFSET_FILE": str(data_dir / "clock-offset-seconds"),
        "LIFEEVENTS_FAULTS_FILE": str(data_dir / "faults.json"),
        "LIFEEVENTS_LOAD_SEED": "1",
        **{port_variable(d): str(p) for d, p in ports.items()},
    }
    return env, {d: f"127.0.0.1:{p}" for d, p in ports.items()}


class PrivateSuite(Suite):
    """The whole suite on private settings, its output in `<data_dir>/suite.log`.

    As a context manager it starts, and on leaving closes: stops and deletes its RabbitMQ topology.
    `stop()` alone leaves the topology, so that something may still run on the same settings.
    """

    def __init__(self, data_dir: Path, **settings: str):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.topology = private_topology()
        env, self.department_addresses = private_suite_env(self.topology, data_dir)
        self.settings = {**env, **settings}
        self.log_path = data_dir / "suite.log"
        super().__init__(self.settings, log=open(self.log_path, "w", encoding="utf-8"))

    def start(self, timeout: float = 60) -> "PrivateSuite":
        try:
            return super().start(timeout)
        except Exception as error:
            self.close()
            raise SuiteError(f"the suite did not start; see {self.log_path}:\n{self.log_tail()}") from error

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8")[-chars:]

    def close(self) -> None:
        """Stop every process and delete the RabbitMQ topology."""
        try:
            self.stop()
            self.log.close()
        finally:
            delete_topology(self.topology)

    def __exit__(self, *exc) -> None:
        self.close()
