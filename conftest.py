"""Fixtures shared by tests/ and features/: the whole suite, started once per test session on
private ports, a private data directory and a private RabbitMQ prefix, and the clients and
controls the tests use on it. Every call is someone's: each client carries a token of the suite's
development identity provider (`tokens`), for a citizen, an agent, an officer, an operator or an
admin; `applicant` acts as the person each form names as its principal."""
from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local import Applicants, FormApplicant, PrivateSuite
from lifeevents.front_desk import FrontDeskClient
from tests.support.broker import dead_letter_queue
from tests.support.clients import Operator, Registers
from tests.support.controls import CoordinatorClock, FaultFile
from tests.support.identity import LocalTokens


@pytest.fixture(scope="session")
def running_suite(tmp_path_factory):
    with PrivateSuite(tmp_path_factory.mktemp("suite-data")) as suite:
        yield suite


@pytest.fixture(scope="session")
def tokens(running_suite) -> LocalTokens:
    """Tokens signed with the running suite's development key (its data directory's)."""
    return LocalTokens(running_suite.data_dir)


@pytest.fixture(scope="session")
def applicants(running_suite, tokens):
    """Applicant clients by person: applicants.citizen(resident_id), .agent(...), .officer(department)."""
    clients = Applicants(running_suite.coordinator_address, tokens)
    yield clients
    clients.close()


@pytest.fixture(scope="session")
def applicant(applicants):
    """Submits each form as the person it names as its principal, and follows it as them."""
    return FormApplicant(applicants)


@pytest.fixture(scope="session")
def registers(running_suite, tokens):
    clients = Registers(running_suite.department_addresses, tokens.service())
    yield clients
    clients.close()


@pytest.fixture(scope="session")
def operator(running_suite, tokens):
    operator = Operator(running_suite.coordinator_address, tokens.operator())
    yield operator
    operator.close()


@pytest.fixture(scope="session")
def admin(running_suite, tokens):
    admin = Operator(running_suite.coordinator_address, tokens.admin())
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def front_desk(running_suite, tokens):
    """An officer of the front desk (前台受理), fd-0001, on the coordinator's FrontDesk API."""
    client = FrontDeskClient(running_suite.coordinator_address, tokens.officer("front_desk", "fd-0001"))
    yield client
    client.close()


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
