"""Real RabbitMQ helpers for tests: a private name prefix, and removal of what a run declared."""
from __future__ import annotations

import uuid

import pika

from lifeevents.endpoints import DEPARTMENTS  # noqa: F401 (re-exported for tests)
from lifeevents.messaging import Topology

AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/%2F"


def private_topology() -> Topology:
    return Topology(f"test-{uuid.uuid4().hex[:10]}")


def delete_topology(topology: Topology, departments=DEPARTMENTS) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    channel = connection.channel()
    for queue in [topology.results_queue, topology.dead_letter_queue, topology.dead_letter_watch_queue,
                  *(topology.command_queue(d) for d in departments)]:
        channel.queue_delete(queue)
    for exchange in (topology.commands_exchange, topology.results_exchange, topology.dead_letter_exchange):
        channel.exchange_delete(exchange)
    connection.close()
