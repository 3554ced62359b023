"""A crash loses nothing: with the department down and then the coordinator killed -9, the command
and the result wait in durable queues, and the application completes once both are back."""
import time

import pika
import pytest

from tests.support.suite_env import private_suite_env
from deploy.suite import Suite
from lifeevents.v1 import applications_pb2 as pb
from tests.support.broker import AMQP_URI, delete_topology, private_topology
from tests.support.clients import ApplicantClient, DepartmentClients, newborn_form

pytestmark = pytest.mark.e2e


def queued(queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_application_survives_department_and_coordinator_kills(tmp_path):
    topology = private_topology()
    env, addresses = private_suite_env(topology, tmp_path)
    with open(tmp_path / "suite.log", "w") as log, Suite(env, log=log) as suite:
        suite.kill("health")
        applicant = ApplicantClient(suite.coordinator_address)
        form = newborn_form()
        application_id = applicant.submit(form)
        wait_for(lambda: queued(topology.command_queue("health")) == 1)

        suite.kill("coordinator")
        suite.restart("health")
        wait_for(lambda: queued(topology.results_queue) == 1)  # the answer waits for the coordinator

        suite.restart("coordinator")
        application = applicant.settle(application_id)
        assert application.status == pb.Application.COMPLETED, (tmp_path / "suite.log").read_text()[-3000:]
        child_id = {s.id: s for s in application.steps}["household_registration"].result["child_id"]
        registers = DepartmentClients(addresses)
        assert registers.person(child_id).name == form["child_name"]
        assert registers.card(child_id).card_no
        registers.close()
        applicant.close()
    delete_topology(topology)


def test_a_notice_period_survives_a_coordinator_kill_and_the_loss_of_its_timer_index(tmp_path):
    """The wait is in the event stream; the timer index is a projection rebuilt from it."""
    topology = private_topology()
    env, addresses = private_suite_env(topology, tmp_path)
    offset = tmp_path / "clock-offset-seconds"
    with open(tmp_path / "suite.log", "w") as log, Suite(env, log=log) as suite:
        applicant = ApplicantClient(suite.coordinator_address)
        form = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354",
                "reason": "shareholders_resolution"}
        application_id = applicant.submit(form, bundle="deregistration_simplified")
        wait_for(lambda: {s.id: s for s in applicant.get(application_id).steps}["notice_period"].status
                 == pb.Step.WAITING)

        suite.kill("coordinator")
        (tmp_path / "timers.sqlite").unlink()
        offset.write_text(str(20 * 86400 + 1))
        suite.restart("coordinator")

        application = applicant.settle(application_id)
        assert application.status == pb.Application.COMPLETED, (tmp_path / "suite.log").read_text()[-3000:]
        registers = DepartmentClients(addresses)
        assert registers.company(form["credit_code"]).status == "cancelled"
        registers.close()
        applicant.close()
    delete_topology(topology)
