"""Fixtures shared by tests/ and features/: the whole suite, started once per test session on
private ports, a private data directory and a private RabbitMQ prefix."""
from __future__ import annotations

import pytest

from deploy.suite import DEPARTMENTS, Suite, free_port
from lifeevents.endpoints import port_variable
from tests.support.broker import AMQP_URI, delete_topology, private_topology
from tests.support.clients import ApplicantClient, DepartmentClients


def private_suite_env(topology, data_dir) -> tuple[dict, dict]:
    """Settings for a suite of our own: private data dir, ports and RabbitMQ prefix."""
    ports = {d: free_port() for d in DEPARTMENTS}
    env = {
        "LIFEEVENTS_DATA_DIR": str(data_dir),
        "LIFEEVENTS_AMQP_URI": AMQP_URI,
        "LIFEEVENTS_AMQP_PREFIX": topology.prefix,
        "LIFEEVENTS_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "LIFEEVENTS_EVENT_STORE": "sqlite",
        **{port_variable(d): str(p) for d, p in ports.items()},
    }
    return env, {d: f"127.0.0.1:{p}" for d, p in ports.items()}


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
