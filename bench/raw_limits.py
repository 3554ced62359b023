"""The raw limits a bundle's throughput is measured against, with the suite's own parts: pika with
publisher confirms and persistent messages into a quorum queue declared with the suite's
arguments, consumed with acks at the suite's prefetch; and the event store's append rate through
the eventsourcing library on the same backend."""
from __future__ import annotations

import time
import uuid

import pika
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from lifeevents.messaging import CONTENT_TYPE, Topology


def broker_rates(amqp_uri: str, topology: Topology, body: bytes, seconds: float, prefetch: int = 64) -> dict:
    """Persistent publishes with confirms per second, then consumes with acks per second."""
    queue = f"{topology.prefix}.bench.raw"
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True, arguments=topology.queue_arguments())
    channel.confirm_delivery()
    properties = pika.BasicProperties(content_type=CONTENT_TYPE, delivery_mode=pika.DeliveryMode.Persistent)
    published, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        channel.basic_publish("", queue, body, properties, mandatory=True)
        published += 1
    publish_s = time.perf_counter() - started

    channel.basic_qos(prefetch_count=prefetch)
    consumed, started = 0, time.perf_counter()
    for method, _, _ in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        consumed += 1
        if consumed == published:
            break
    consume_s = time.perf_counter() - started
    channel.cancel()
    channel.queue_delete(queue)
    connection.close()
    return {"message_bytes": len(body), "published": published, "publish_per_s": published / publish_s,
            "consumed": consumed, "consume_per_s": consumed / consume_s}


class _Probe(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.count = 0

    @event("Ticked")
    def tick(self, payload: str) -> None:
        self.count += 1


def store_rate(env: dict, seconds: float) -> dict:
    """Events appended per second, one event per save (as the coordinator saves a lone answer)."""
    application = Application(env={**env, "PERSISTENCE_MODULE": env["PERSISTENCE_MODULE"]})
    probe = _Probe()
    application.save(probe)
    payload = uuid.uuid4().hex * 4
    appended, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        probe.tick(payload)
        application.save(probe)
        appended += 1
    elapsed = time.perf_counter() - started
    application.close()
    return {"events": appended, "events_per_s": appended / elapsed}
