"""The dead-letter queue on the real RabbitMQ: a dead letter is listed with its error without being
taken, and a requeue sends it back to its department's queue without the error headers."""
from __future__ import annotations

import pika
import pytest

from deploy.local import AMQP_URI
from lifeevents.messaging import COMMAND_TYPE, CONTENT_TYPE, dead_letter_headers
from lifeevents.v1 import steps_pb2
from tests.support.broker import dead_letter_queue, declared_topology, queue_depth

pytestmark = pytest.mark.integration


@pytest.fixture
def topology():
    with declared_topology() as topology:
        yield topology


def dead_letter(topology, command: steps_pb2.StepCommand, error: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(topology.dead_letter_exchange, command.department, command.SerializeToString(),
                          pika.BasicProperties(content_type=CONTENT_TYPE, type=COMMAND_TYPE,
                                               message_id=command.command_id, delivery_mode=2,
                                               headers=dead_letter_headers({}, error, command.department, 6,
                                                                           "2026-11-23T10:00:00+00:00")))
    connection.close()


def test_dead_letters_are_listed_with_their_error_and_stay_in_the_queue(topology):
    queue = dead_letter_queue(topology)
    for n in (1, 2):
        dead_letter(topology, steps_pb2.StepCommand(command_id=f"c{n}", application_id=f"a{n}", step="seals",
                                                    department="seals", action="engrave_seals"), f"error {n}")
    first = queue.list()
    assert [(d.command_id, d.application_id, d.error, d.deliveries) for d in first] == [
        ("c1", "a1", "error 1", 6), ("c2", "a2", "error 2", 6)]
    assert queue.list() == first and queue.count() == 2


def test_a_requeued_dead_letter_goes_back_to_its_department(topology):
    queue = dead_letter_queue(topology)
    for n in (1, 2):
        dead_letter(topology, steps_pb2.StepCommand(command_id=f"c{n}", application_id="a", step="seals",
                                                    department="seals", action="engrave_seals"), "boom")
    assert queue.requeue("c2") and not queue.requeue("no-such-message")
    assert [d.command_id for d in queue.list()] == ["c1"]
    assert queue_depth(topology.command_queue("seals")) == 1
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    method, properties, body = connection.channel().basic_get(topology.command_queue("seals"), auto_ack=True)
    connection.close()
    assert steps_pb2.StepCommand.FromString(body).command_id == "c2"
    assert not any(k.startswith("x-error") for k in (properties.headers or {}))
