"""A department's way in and out over RabbitMQ: the command entrypoint, the decision of one
command, and the publisher of results.

Commands and results are protobuf bytes (lifeevents.v1.steps), so a department in any language can
take part; kombu passes them through untouched. Queue names come from the nameko config's prefix.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

import eventlet
import kombu
import kombu.serialization
from google.protobuf.message import DecodeError
from kombu import Exchange, Queue
from nameko import config
from nameko.containers import ContainerBeingKilled
from nameko.messaging import Consumer, Publisher, decode_from_headers

from lifeevents.messaging import (CONTENT_TYPE, PROGRESS_TYPE, RESULT_ROUTING_KEY, RESULT_TYPE, Topology,
                                  dead_letter_headers, delivery_number, gives_up, retry_pause)
from lifeevents.v1 import steps_pb2
from services.common import metrics, settings
from services.common.decisions import Answer, MisroutedCommand, decide  # noqa: F401  (decide: for the services)
from services.common.domain import UnknownAction

log = logging.getLogger(__name__)
REPLY_TO = "reply_to"  # the command's reply_to, in the worker's context data

PROTOBUF = "protobuf"
kombu.serialization.register(PROTOBUF, encoder=bytes, decoder=bytes,
                             content_type=CONTENT_TYPE, content_encoding="binary")


def topology() -> Topology:
    return Topology(config[settings.AMQP_PREFIX])


# Faults no retry can fix: dead-lettered at once rather than after the delivery limit.
PERMANENT_FAULTS = (DecodeError, UnknownAction, MisroutedCommand)


class CommandConsumer(Consumer):
    """Consumes the durable command queue of the service's department (the service's `name`) and
    hands the handler (body, delivery number).

    A fault is retried: the message goes back to the queue after a pause that doubles with each
    delivery. After the queue's delivery limit (or at once, for a fault no retry can fix) it is
    published to the dead-letter exchange with the error attached, then acked here, so nothing
    redelivers forever and the dead letter says why it died.
    """

    def __init__(self, **consumer_options):
        super().__init__(queue=None, **consumer_options)  # the queue is known once bound to a service

    def setup(self):
        topo, department = topology(), self.container.service_name
        self.queue = Queue(topo.command_queue(department),
                           exchange=Exchange(topo.commands_exchange, type="direct", durable=True),
                           routing_key=department, durable=True, queue_arguments=topo.queue_arguments())
        super().setup()

    def handle_message(self, body, message):
        delivery = delivery_number(message.headers)

        # The result goes where the command says: its reply_to names the coordinator's partition queue.
        context_data = {**decode_from_headers(message.headers), REPLY_TO: message.properties.get("reply_to")}

        def spawn_worker():
            try:
                self.container.spawn_worker(
                    self, (body, delivery), {}, context_data=context_data,
                    handle_result=lambda worker_ctx, result=None, exc_info=None: self._settle(
                        message, delivery, result, exc_info))
            except ContainerBeingKilled:
                self.consumer.requeue_message(message)

        # As nameko's own consumer does: never block the AMQP consumer while the worker pool is full.
        self.container.spawn_managed_thread(spawn_worker)

    def _settle(self, message, delivery: int, result, exc_info):
        if exc_info is None:
            self.consumer.ack_message(message)
            return result, exc_info
        error = exc_info[1]
        if isinstance(error, PERMANENT_FAULTS) or gives_up(delivery):
            self._dead_letter(message, error, delivery)
            self.consumer.ack_message(message)
            metrics.DEAD_LETTERS.labels(self.container.service_name).inc()
        else:
            eventlet.sleep(retry_pause(delivery))
            self.consumer.requeue_message(message)
        return result, exc_info

    def _dead_letter(self, message, error: BaseException, delivery: int) -> None:
        headers = dead_letter_headers(message.headers, error, self.container.service_name, delivery,
                                      dt.datetime.now(dt.timezone.utc).isoformat())
        properties = message.properties
        with kombu.Connection(self.amqp_uri, transport_options={"confirm_publish": True}) as connection:
            connection.Producer().publish(
                message.body, exchange=Exchange(topology().dead_letter_exchange, type="fanout", durable=True),
                routing_key=message.delivery_info.get("routing_key", ""), headers=headers,
                content_type=properties.get("content_type"), content_encoding="binary",
                type=properties.get("type"), message_id=properties.get("message_id"), delivery_mode=2,
                reply_to=properties.get("reply_to"),
                serializer=None, retry=True)
        log.error("%s: message %s dead-lettered after %d deliveries: %s: %s", self.container.service_name,
                  properties.get("message_id"), delivery, type(error).__name__, error)


# `@handles_commands` on a method(self, body, delivery): the department's step commands.
handles_commands = CommandConsumer.decorator


class Results:
    def __init__(self, publish: Callable, routing_key: str):
        self._publish, self._routing_key = publish, routing_key

    @property
    def reply_to(self) -> str:
        """Where the command being handled asked for its answer (the coordinator's partition)."""
        return self._routing_key

    def send(self, answer: Answer, reply_to: str = "") -> None:
        """A StepResult or a StepProgress (the AMQP type says which), to the command's reply_to, or to
        `reply_to` (an officer's decision, answered later than its command)."""
        progress = isinstance(answer, steps_pb2.StepProgress)
        self._publish(answer.SerializeToString(), routing_key=reply_to or self._routing_key,
                      type=PROGRESS_TYPE if progress else RESULT_TYPE,
                      message_id=f"{answer.command_id}:progress" if progress else answer.command_id)


class ResultPublisher(Publisher):
    """Publishes StepResults, persistent, confirmed and mandatory, to the results exchange with the
    routing key the command's reply_to gave (the results queue of its application's partition, which
    the coordinator declared before it sent the command)."""

    def __init__(self):
        super().__init__(serializer=PROTOBUF, mandatory=True)  # the exchange: at setup, from the config

    def setup(self):
        self.exchange = Exchange(topology().results_exchange, type="direct", durable=True)
        self.declare = [self.exchange]
        self.amqp_uri = config["AMQP_URI"]
        super().setup()

    def get_dependency(self, worker_ctx):
        return Results(super().get_dependency(worker_ctx),
                       worker_ctx.context_data.get(REPLY_TO) or RESULT_ROUTING_KEY)
