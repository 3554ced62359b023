"""RabbitMQ adapters of the coordinator (pika): the topology, the command bus, the consumers of
results and dead letters, and the dead-letter queue as operators see it."""
from __future__ import annotations

import random

import pika


def connection_parameters(amqp_uri: str) -> list[pika.URLParameters]:
    """The brokers of LIFEEVENTS_AMQP_URI: one URI, or several separated by commas (the nodes of a
    cluster), tried in a random order so that instances spread over the nodes; pika moves on to the
    next one when a node is down."""
    uris = [uri.strip() for uri in amqp_uri.split(",") if uri.strip()]
    random.shuffle(uris)
    return [pika.URLParameters(uri) for uri in uris]
