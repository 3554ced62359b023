"""The real RabbitMQ in tests: a private topology declared as the suite declares it, queue depths,
and the operators' view of the dead-letter queue."""
from __future__ import annotations

import contextlib
from typing import Iterator

import pika

from deploy.local import AMQP_URI, delete_topology, private_topology
from lifeevents.endpoints import DEPARTMENTS
from lifeevents.messaging import CONTENT_TYPE, EVENT_TYPE, Topology
from lifeevents.v1 import events_pb2
from saga.adapters.rabbitmq.dead_letters import DeadLetterQueue
from saga.adapters.rabbitmq.topology import declare_topology


@contextlib.contextmanager
def declared_topology() -> Iterator[Topology]:
    """A private topology with every exchange and queue declared; deleted afterwards."""
    topology = private_topology()
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    declare_topology(connection.channel(), topology, DEPARTMENTS)
    connection.close()
    try:
        yield topology
    finally:
        delete_topology(topology)


def queue_depth(queue: str) -> int:
    """How many messages wait in the queue."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def dead_letter_queue(topology: Topology) -> DeadLetterQueue:
    return DeadLetterQueue(AMQP_URI, topology)


def publish_event(topology: Topology, message: events_pb2.DepartmentEvent) -> None:
    """Publish a department's event as its relay does (a redelivery, to the consumer's eyes)."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(topology.events_exchange, f"{message.department}.{message.type}",
                              message.SerializeToString(),
                              pika.BasicProperties(content_type=CONTENT_TYPE, type=EVENT_TYPE,
                                                   message_id=message.event_id, delivery_mode=2), mandatory=True)
    finally:
        connection.close()
