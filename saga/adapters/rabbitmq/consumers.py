"""Consumers of the coordinator's queues: the base that keeps a connection and gives messages up to
the dead-letter exchange, and the result consumer that turns department results into answers."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any, Callable, Iterable

import pika
from google.protobuf.message import DecodeError
from pika.exceptions import AMQPError

from lifeevents.messaging import Topology, dead_letter_headers, delivery_number, gives_up, retry_pause
from lifeevents.v1 import steps_pb2
from saga.adapters.rabbitmq.topology import declare_topology
from saga.domain.errors import MalformedAnswer
from saga.domain.ports import Outcome, StepAnswer

log = logging.getLogger(__name__)


class QueueConsumer(threading.Thread):
    """Consumes one queue on a connection of its own, reconnecting after a lost broker. A subclass
    handles each message and acks, rejects or returns it."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str], prefetch: int = 32):
        super().__init__(name=f"amqp-{type(self).__name__}", daemon=True)
        self._params = pika.URLParameters(amqp_uri)
        self._topology = topology
        self._departments = sorted(set(departments))
        self._prefetch = prefetch
        self._stopping = threading.Event()
        self._connection: pika.BlockingConnection | None = None
        self.ready = threading.Event()

    def queue(self) -> str:
        raise NotImplementedError

    @property
    def connected(self) -> bool:
        connection = self._connection
        return self.ready.is_set() and connection is not None and connection.is_open

    def on_message(self, channel, method, properties, body: bytes) -> None:
        raise NotImplementedError

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._connection = pika.BlockingConnection(self._params)
                channel = self._connection.channel()
                channel.confirm_delivery()  # a dead letter it publishes is confirmed before the ack
                declare_topology(channel, self._topology, self._departments)
                channel.basic_qos(prefetch_count=self._prefetch)
                channel.basic_consume(self.queue(), self.on_message)
                self.ready.set()
                log.info("consuming %s", self.queue())
                self.serve(channel)
            except AMQPError as err:
                if self._stopping.is_set():
                    break
                log.warning("consumer of %s lost RabbitMQ (%s); reconnecting", self.queue(), err)
                time.sleep(1)
        log.info("consumer of %s stopped", self.queue())

    def serve(self, channel) -> None:
        channel.start_consuming()

    def stop(self) -> None:
        self._stopping.set()
        connection = self._connection
        if connection and connection.is_open:
            try:
                connection.add_callback_threadsafe(connection.close)
            except AMQPError:
                pass

    def dead_letter(self, channel, method, properties, body: bytes, error: BaseException | str,
                    delivery: int) -> None:
        """Give a message up: publish it to the dead-letter exchange with the error, then ack it."""
        headers = dead_letter_headers(properties.headers, error, "coordinator", delivery,
                                      dt.datetime.now(dt.timezone.utc).isoformat())
        channel.basic_publish(self._topology.dead_letter_exchange, method.routing_key, body,
                              pika.BasicProperties(content_type=properties.content_type, type=properties.type,
                                                   message_id=properties.message_id, headers=headers,
                                                   delivery_mode=pika.DeliveryMode.Persistent))
        channel.basic_ack(method.delivery_tag)
        log.error("message %s dead-lettered after %d deliveries: %s", properties.message_id, delivery, error)


_OUTCOMES = {steps_pb2.StepResult.COMPLETED: Outcome.COMPLETED, steps_pb2.StepResult.REJECTED: Outcome.REJECTED}


def answer_of(result: steps_pb2.StepResult) -> StepAnswer:
    """A department's StepResult as the answer the coordinator applies (checked first: check_answer)."""
    outcome = _OUTCOMES.get(result.outcome, Outcome.UNSPECIFIED)
    try:
        decided_at = result.decided_at.ToDatetime(dt.timezone.utc) if result.HasField("decided_at") else None
    except (ValueError, OverflowError):
        raise MalformedAnswer("decided_at is not a moment between the years 1 and 9999") from None
    return StepAnswer(result.application_id, result.step, result.command_id, outcome is Outcome.COMPLETED,
                      dict(result.outputs), result.reason, max(result.delivery, 1), decided_at, result.department,
                      outcome)


class ResultConsumer(QueueConsumer):
    """Consumes `<prefix>.coordinator.results` and hands the answers to `record` in batches (whatever
    has arrived, up to the prefetch), so one store transaction carries many; acks only once they are
    recorded. Each answer is checked first (`check`, against its step and the catalogue): a malformed
    one is dead-lettered at once with its error, as an undecodable one is. If a batch fails, its
    answers are recorded one by one: one that cannot be is returned after a pause, and dead-lettered
    with its error after the delivery limit."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str],
                 record: Callable[[list[StepAnswer]], Any], prefetch: int = 64,
                 check: Callable[[StepAnswer], None] = lambda answer: None):
        super().__init__(amqp_uri, topology, departments, prefetch)
        self._record, self._check = record, check
        self._arrived: list[tuple] = []

    def queue(self) -> str:
        return self._topology.results_queue

    def on_message(self, channel, method, properties, body: bytes) -> None:
        self._arrived.append((method, properties, body))

    def serve(self, channel) -> None:
        self._arrived = []  # unacked deliveries of a lost connection come again
        while not self._stopping.is_set():
            self._connection.process_data_events(time_limit=1)  # returns once something has arrived
            if self._arrived:
                self._connection.process_data_events(time_limit=0)  # and whatever else is already here
                batch, self._arrived = self._arrived, []
                self._apply(channel, batch)

    def _apply(self, channel, batch: list[tuple]) -> None:
        decoded = []
        for method, properties, body in batch:
            try:
                answer = answer_of(steps_pb2.StepResult.FromString(body))
                self._check(answer)
                decoded.append((method, properties, body, answer))
            except DecodeError as err:
                self.dead_letter(channel, method, properties, body, f"undecodable StepResult: {err}",
                                 delivery_number(properties.headers))
            except MalformedAnswer as err:  # poison: no retry makes it fit the catalogue
                self.dead_letter(channel, method, properties, body, f"malformed StepResult: {err}",
                                 delivery_number(properties.headers))
        if not decoded:
            return
        try:
            self._record([answer for *_, answer in decoded])
        except Exception:
            # The only place a batch falls back to one by one: one bad answer cannot hold back the others.
            log.warning("a batch of %d results failed; recording them one by one", len(decoded), exc_info=True)
            for message in decoded:
                self._apply_one(channel, *message)
            return
        channel.basic_ack(max(method.delivery_tag for method, *_ in decoded), multiple=True)

    def _apply_one(self, channel, method, properties, body: bytes, answer: StepAnswer) -> None:
        delivery = delivery_number(properties.headers)
        try:
            self._record([answer])
        except Exception as err:  # a fault: returned, then dead-lettered after the delivery limit
            log.exception("result %s for %s/%s failed", answer.command_id, answer.application_id, answer.step)
            if gives_up(delivery):
                self.dead_letter(channel, method, properties, body, err, delivery)
            else:
                time.sleep(retry_pause(delivery))
                channel.basic_nack(method.delivery_tag, requeue=True)
            return
        channel.basic_ack(method.delivery_tag)
