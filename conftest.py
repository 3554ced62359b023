"""Fixtures shared by tests/ and features/: the whole suite, started once per test session on
private ports, a private data directory and a private RabbitMQ prefix."""
from __future__ import annotations

import pytest

from deploy.suite import Suite
from tests.support.broker import delete_topology, private_topology
from tests.support.clients import ApplicantClient, DepartmentClients
from tests.support.suite_env import private_suite_env


@pytest.fixture(scope="session")
def running_suite(tmp_path_factory):
    topology = private_topology()
    data_dir = tmp_path_factory.mktemp("suite-data")
    env, addresses = private_suite_env(topology, data_dir)
    log_path = data_dir / "suite.log"
    with open(log_path, "w", encoding="utf-8") as log:
        suite = Suite(env, log=log)
        try:
            suite.start()
        except Exception:
            suite.stop()
            raise RuntimeError(f"the suite did not start; see {log_path}:\n{log_path.read_text()[-4000:]}")
        suite.department_addresses = addresses
        suite.log_path = log_path
        yield suite
        suite.stop()
    delete_topology(topology)


@pytest.fixture(scope="session")
def applicant(running_suite):
    client = ApplicantClient(running_suite.coordinator_address)
    yield client
    client.close()


@pytest.fixture(scope="session")
def registers(running_suite):
    clients = DepartmentClients(running_suite.department_addresses)
    yield clients
    clients.close()


class CoordinatorClock:
    """Moves the running coordinator's clock forward (it reads an offset file), for long waits."""

    def __init__(self, path):
        self.path = path

    def advance(self, **delta) -> None:
        import datetime as dt

        current = float(self.path.read_text()) if self.path.exists() else 0.0
        self.path.write_text(str(current + dt.timedelta(**delta).total_seconds()))


@pytest.fixture(scope="session")
def coordinator_clock(running_suite):
    from pathlib import Path

    return CoordinatorClock(Path(running_suite.env["LIFEEVENTS_CLOCK_OFFSET_FILE"]))


class FaultFile:
    """Fault-injection rules the running departments read (services/common/faults.py)."""

    def __init__(self, path):
        self.path = path

    def add(self, **rule) -> None:
        import json

        rules = json.loads(self.path.read_text()) if self.path.exists() else []
        self.path.write_text(json.dumps([*rules, rule], ensure_ascii=False))


@pytest.fixture
def fault_rules(running_suite):
    from pathlib import Path

    faults = FaultFile(Path(running_suite.env["LIFEEVENTS_FAULTS_FILE"]))
    yield faults
    faults.path.write_text("[]")


@pytest.fixture(scope="session")
def dead_letters(running_suite):
    from lifeevents.messaging import Topology
    from saga.adapters.rabbitmq import DeadLetterQueue
    from tests.support.broker import AMQP_URI

    return DeadLetterQueue(AMQP_URI, Topology(running_suite.env["LIFEEVENTS_AMQP_PREFIX"]))


@pytest.fixture
def department_outage(running_suite):
    """Stops a department as a crash would; whatever the test does, it is running again afterwards."""
    stopped = []

    def stop(department: str) -> None:
        running_suite.kill(department)
        stopped.append(department)

    def restore(department: str) -> None:
        running_suite.restart(department)
        stopped.remove(department)

    yield stop, restore
    for department in list(stopped):
        restore(department)


class Operator:
    """The Operations API with the local suite's operator credential."""

    metadata = (("authorization", "Bearer dev-operator-token"),)

    def __init__(self, address: str):
        import grpc

        from lifeevents.v1 import operations_pb2_grpc

        self.channel = grpc.insecure_channel(address)
        self.stub = operations_pb2_grpc.OperationsStub(self.channel)

    def __getattr__(self, method):
        call = getattr(self.stub, method)
        return lambda request: call(request, metadata=self.metadata, timeout=60)


@pytest.fixture(scope="session")
def operator(running_suite):
    operator = Operator(running_suite.coordinator_address)
    yield operator
    operator.channel.close()
