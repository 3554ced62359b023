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
