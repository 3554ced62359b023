"""A crash loses nothing: with the department down and then the coordinator killed -9, the command
and the result wait in durable queues, and the application completes once both are back."""
from pathlib import Path

import pytest

from deploy.local import PrivateSuite
from deploy.sample_forms import newborn_form
from lifeevents.v1 import applications_pb2 as pb
from tests.support.applications import step, step_reaching
from tests.support.broker import queue_depth
from tests.support.clients import Registers
from tests.support.controls import lose_timer_index
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e


def test_application_survives_department_and_coordinator_kills(tmp_path):
    with PrivateSuite(tmp_path) as suite, suite.form_applicant() as applicant:
        topology = suite.topology
        suite.kill("health")
        form = newborn_form()
        application_id = applicant.submit(form)
        eventually(lambda: queue_depth(topology.command_queue("health")) == 1, timeout=30)

        suite.kill("coordinator")
        suite.restart("health")
        # The answer waits in its queue for the coordinator.
        eventually(lambda: sum(map(queue_depth, topology.results_queues)) == 1, timeout=30)

        suite.restart("coordinator")
        application = applicant.settle(application_id)
        assert application.status == pb.Application.COMPLETED, suite.log_tail()
        child_id = step(application, "household_registration").result["child_id"]
        registers = Registers(suite.department_addresses, suite.tokens.service())
        assert registers.civil_registration.GetPerson(resident_id=child_id).name == form["child_name"]
        assert registers.social_security.GetCard(resident_id=child_id).card_no
        registers.close()


def test_a_notice_period_survives_a_coordinator_kill_and_the_loss_of_its_timer_index(tmp_path):
    """The wait is in the event stream; the timer index is a projection rebuilt from it."""
    with PrivateSuite(tmp_path) as suite, suite.form_applicant() as applicant:
        form = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354",
                "reason": "shareholders_resolution", "commitment.no_debts": "accepted"}
        application_id = applicant.submit(form, bundle="deregistration_simplified")
        step_reaching(applicant, application_id, "notice_period", pb.Step.WAITING, timeout=30)

        suite.kill("coordinator")
        lose_timer_index(tmp_path)
        Path(suite.settings["LIFEEVENTS_CLOCK_OFFSET_FILE"]).write_text(str(20 * 86400 + 1))
        suite.restart("coordinator")

        application = applicant.settle(application_id)
        assert application.status == pb.Application.COMPLETED, suite.log_tail()
        registers = Registers(suite.department_addresses, suite.tokens.service())
        assert registers.market_regulation.GetCompany(credit_code=form["credit_code"]).status == "cancelled"
        registers.close()
