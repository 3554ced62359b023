"""Fixtures shared by tests/ and features/: the whole suite, started once per test session on
private ports, a private data directory and a private RabbitMQ prefix, and the clients and
controls the tests use on it."""
from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local import PrivateSuite
from lifeevents.client import ApplicantClient
from tests.support.broker import dead_letter_queue
from tests.support.clients import Operator, Registers
from tests.support.controls import CoordinatorClock, FaultFile


@pytest.fixture(scope="session")
def running_suite(tmp_path_factory):
    with PrivateSuite(tmp_path_factory.mktemp("suite-data")) as suite:
        yield suite


@pytest.fixture(scope="session")
def applicant(running_suite):
    with ApplicantClient(running_suite.coordinator_address) as client:
        yield client


@pytest.fixture(scope="session")
def registers(running_suite):
    clients = Registers(running_suite.department_addresses)
    yield clients
    clients.close()


@pytest.fixture(scope="session")
def operator(running_suite):
    operator = Operator(running_suite.coordinator_address)
    yield operator
    operator.close()


@pytest.fixture(scope="session")
def coordinator_clock(running_suite):
    return CoordinatorClock(Path(running_suite.settings["LIFEEVENTS_CLOCK_OFFSET_FILE"]))


@pytest.fixture
def fault_rules(running_suite):
    faults = FaultFile(Path(running_suite.settings["LIFEEVENTS_FAULTS_FILE"]))
    yield faults
    faults.clear()


@pytest.fixture(scope="session")
def dead_letters(running_suite):
    return dead_letter_queue(running_suite.topology)


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
