"""Each department as its own nameko process over the real RabbitMQ: a StepCommand in, a StepResult
out, the effect visible through its gRPC query API; a repeated command has its effect once."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import pika
import pytest

from deploy.local import AMQP_URI
from deploy.sample_forms import unique_child_name
from deploy.suite import ROOT, free_port, reachable
from lifeevents.endpoints import port_variable
from lifeevents.identifiers import make_resident_id
from lifeevents.messaging import Topology
from lifeevents.v1 import steps_pb2
from tests.support.broker import declared_topology
from tests.support.clients import Register
from tests.support.identity import LocalTokens
from tests.support.polling import eventually

pytestmark = pytest.mark.integration
TODAY = dt.date.today()
BIRTH = TODAY - dt.timedelta(days=2)
MOTHER = "370202199205140022"


class Department:
    """One department process with its own data dir, port and queues, plus a pika client to talk to it."""

    def __init__(self, name: str, topology: Topology, data_dir: Path, seed: bool = True):
        self.name, self.topology, self.port = name, topology, free_port()
        env = {**os.environ, "LIFEEVENTS_AMQP_URI": AMQP_URI, "LIFEEVENTS_AMQP_PREFIX": topology.prefix,
               "LIFEEVENTS_DATA_DIR": str(data_dir), port_variable(name): str(self.port), "PYTHONPATH": str(ROOT),
               "LIFEEVENTS_LOAD_SEED": "1" if seed else "0"}
        log_path = data_dir / f"{name}.log"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "services", name], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

        def serving() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited while starting:\n{log_path.read_text()}")
            assert reachable("127.0.0.1", self.port, 0.2), f"{name} does not serve on port {self.port}"
            return True

        eventually(serving, timeout=30, interval=0.2)
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        # The department answers to the routing key a command names as its reply_to: a queue of this test's.
        self.replies = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.replies, topology.results_exchange, self.replies)
        self.query_channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.register = Register(name, self.query_channel, LocalTokens(data_dir).service())

    def send(self, action: str, inputs: dict, command_id: str | None = None) -> str:
        command = steps_pb2.StepCommand(command_id=command_id or str(uuid.uuid4()), application_id=str(uuid.uuid4()),
                                        bundle="test", step=action, department=self.name, action=action,
                                        inputs=inputs)
        self.channel.basic_publish(self.topology.commands_exchange, self.name, command.SerializeToString(),
                                   pika.BasicProperties(content_type="application/x-protobuf", delivery_mode=2,
                                                        reply_to=self.replies),
                                   mandatory=True)
        return command.command_id

    def result(self, timeout: float = 15) -> steps_pb2.StepResult:
        def answered() -> tuple:
            method, properties, body = self.channel.basic_get(self.replies, auto_ack=True)
            assert method, f"no result from {self.name} within {timeout}s"
            return properties, body

        properties, body = eventually(answered, timeout, interval=0.05)
        assert properties.content_type == "application/x-protobuf"
        return steps_pb2.StepResult.FromString(body)

    def ask(self, action: str, inputs: dict, command_id: str | None = None) -> steps_pb2.StepResult:
        sent = self.send(action, inputs, command_id)
        result = self.result()
        assert result.command_id == sent and result.department == self.name
        return result

    def stop(self):
        self.query_channel.close()
        self.connection.close()
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def topology():
    with declared_topology() as topology:
        yield topology


@pytest.fixture(scope="module")
def department(request, topology, tmp_path_factory):
    running = Department(request.param, topology, tmp_path_factory.mktemp(request.param))
    yield running
    running.stop()


COMPLETED, REJECTED = steps_pb2.StepResult.COMPLETED, steps_pb2.StepResult.REJECTED


@pytest.mark.parametrize("department", ["health"], indirect=True)
def test_health_issues_a_birth_certificate_once_and_refuses_a_male_mother(department):
    inputs = {"mother_id": MOTHER, "mother_name": "李秀英", "child_name": unique_child_name(), "child_sex": "male",
              "birth_date": BIRTH.isoformat(), "birth_hospital": "青岛市市立医院"}
    first = department.ask("issue_birth_certificate", inputs)
    assert first.outcome == COMPLETED
    number = first.outputs["birth_certificate_no"]
    assert department.register.GetBirthCertificate(number=number).child_name == inputs["child_name"]

    again = department.ask("issue_birth_certificate", inputs, command_id=first.command_id)
    assert again.outcome == COMPLETED and again.outputs == first.outputs, "a repeated command answers the same"

    duplicate = department.ask("issue_birth_certificate", inputs)
    assert duplicate.outcome == REJECTED and number in duplicate.reason

    male = department.ask("issue_birth_certificate", {**inputs, "mother_id": "370202199003070011"})
    assert male.outcome == REJECTED and "man" in male.reason


@pytest.mark.parametrize("department", ["civil_registration"], indirect=True)
def test_civil_registration_registers_a_birth_and_refuses_an_unknown_mother(department):
    inputs = {"birth_certificate_no": f"Q{uuid.uuid4().int % 10**9:09d}", "mother_id": MOTHER,
              "child_name": unique_child_name(), "child_sex": "female", "birth_date": BIRTH.isoformat()}
    result = department.ask("register_birth", inputs)
    assert result.outcome == COMPLETED
    child = department.register.GetPerson(resident_id=result.outputs["child_id"])
    assert child.household_no == "370202000101" and child.name == inputs["child_name"]

    stranger = make_resident_id("110105", dt.date(1990, 1, 1), 996)
    refused = department.ask("register_birth", {**inputs, "birth_certificate_no": "Q000000001", "mother_id": stranger})
    assert refused.outcome == REJECTED and "not in the civil register" in refused.reason
    with pytest.raises(grpc.RpcError) as err:
        department.register.GetPerson(resident_id=stranger)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("department", ["medical_insurance"], indirect=True)
def test_medical_insurance_enrols_a_newborn_once(department):
    child = make_resident_id("370202", BIRTH, 2 * (uuid.uuid4().int % 400) + 2)
    inputs = {"child_id": child, "child_name": unique_child_name(), "birth_date": BIRTH.isoformat(),
              "guardian_id": MOTHER}
    result = department.ask("enrol_newborn", inputs)
    assert result.outcome == COMPLETED and result.outputs["coverage_start"] == BIRTH.isoformat()
    assert department.register.GetEnrolment(resident_id=child).insured_no == result.outputs["insured_no"]
    second = department.ask("enrol_newborn", inputs)
    assert second.outcome == REJECTED and "already insured" in second.reason


@pytest.mark.parametrize("department", ["social_security"], indirect=True)
def test_social_security_issues_one_card_per_person(department):
    child = make_resident_id("370202", BIRTH, 2 * (uuid.uuid4().int % 400) + 1)
    inputs = {"child_id": child, "child_name": unique_child_name(), "mailing_address": "山东省青岛市市南区香港中路10号"}
    result = department.ask("apply_card", inputs)
    assert result.outcome == COMPLETED
    assert department.register.GetCard(resident_id=child).card_no == result.outputs["card_no"]
    assert department.ask("apply_card", inputs).outcome == REJECTED


def test_a_department_in_production_configuration_starts_without_the_demo_seed(tmp_path):
    with declared_topology() as topology:
        production = Department("civil_registration", topology, tmp_path, seed=False)
        try:
            with pytest.raises(grpc.RpcError) as err:
                production.register.GetPerson(resident_id=MOTHER)
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            inputs = {"birth_certificate_no": "Q000000002", "mother_id": MOTHER, "child_name": unique_child_name(),
                      "child_sex": "female", "birth_date": BIRTH.isoformat()}
            refused = production.ask("register_birth", inputs)
            assert refused.outcome == REJECTED and "not in the civil register" in refused.reason
        finally:
            production.stop()
