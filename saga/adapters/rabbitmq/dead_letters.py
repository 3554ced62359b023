"""Dead letters: what a consumer gave up on, and why. The coordinator's watcher flags each one's step
on its application; the dead-letter queue is listed and requeued by operators."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import pika
from google.protobuf.message import DecodeError

from lifeevents.messaging import (COMMAND_TYPE, DEAD_LETTER_TYPE, ORIGINAL_TYPE_HEADER, PROGRESS_TYPE, RESULT_TYPE,
                                  Topology)
from lifeevents.v1 import steps_pb2
from saga.adapters import metrics
from saga.adapters.rabbitmq import connection_parameters
from saga.adapters.rabbitmq.consumers import QueueConsumer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    """A message a consumer gave up on, and why."""

    message_id: str
    type: str
    application_id: str
    step: str
    command_id: str
    department: str
    error: str
    consumer: str
    deliveries: int
    dead_lettered_at: str


def read_dead_letter(properties, body: bytes) -> DeadLetter:
    """What a dead letter is about: its step (if it decodes) and the error attached to it. A message
    the broker itself dead-lettered (a consumer that crashed on it every time) has no error attached,
    only the broker's x-death record."""
    headers = properties.headers or {}
    kind = properties.type
    if kind == DEAD_LETTER_TYPE:  # forwarded to its partition by a watcher: the type it died with
        kind = headers.get(ORIGINAL_TYPE_HEADER)
        kind = kind.decode() if isinstance(kind, bytes) else kind
    message = None
    try:
        if kind == COMMAND_TYPE:
            message = steps_pb2.StepCommand.FromString(body)
        elif kind == RESULT_TYPE:
            message = steps_pb2.StepResult.FromString(body)
        elif kind == PROGRESS_TYPE:
            message = steps_pb2.StepProgress.FromString(body)
    except DecodeError:
        pass
    error = headers.get("x-error")
    if error is None:
        deaths = headers.get("x-death") or [{}]
        reason = deaths[0].get("reason", "unknown")
        error = f"{reason} after {deaths[0].get('count', '?')} death(s) in {deaths[0].get('queue', '?')}"
    decode = lambda value: value.decode() if isinstance(value, bytes) else str(value)  # noqa: E731
    return DeadLetter(
        message_id=properties.message_id or "", type=kind or "",
        application_id=message.application_id if message else "", step=message.step if message else "",
        command_id=message.command_id if message else "",
        department=message.department if message else decode(headers.get("x-consumer", "")),
        error=decode(error), consumer=decode(headers.get("x-consumer", "broker")),
        deliveries=int(headers.get("x-deliveries") or 0),
        dead_lettered_at=decode(headers.get("x-dead-lettered-at", "")))


class DeadLetterWatcher(QueueConsumer):
    """Consumes `<prefix>.coordinator.dead-letters` and forwards each dead command or result to the
    results queue of its application's partition (as a DeadLetter), so that the one coordinator that
    writes the application flags its step there (`flag_dead_letter`): writes to an application never
    race. A dead letter naming no application is only logged; it stays in the dead-letter queue."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str]):
        super().__init__(amqp_uri, topology, departments, prefetch=8)

    def queue(self) -> str:
        return self._topology.dead_letter_watch_queue

    def on_message(self, channel, method, properties, body: bytes) -> None:
        letter = read_dead_letter(properties, body)
        metrics.DEAD_LETTERS.labels(letter.consumer or "broker").inc()
        if not letter.application_id or properties.type == DEAD_LETTER_TYPE:
            # A forwarded one that died again stays in the dead-letter queue: it is not sent round again.
            log.error("dead letter %s (%s) is not flagged on an application: %s", letter.message_id,
                      letter.type, letter.error)
            channel.basic_ack(method.delivery_tag)
            return
        headers = {**(properties.headers or {}), ORIGINAL_TYPE_HEADER: properties.type or ""}
        channel.basic_publish(
            self._topology.results_exchange, self._topology.reply_to(letter.application_id), body,
            pika.BasicProperties(content_type=properties.content_type, type=DEAD_LETTER_TYPE,
                                 message_id=properties.message_id, headers=headers,
                                 delivery_mode=pika.DeliveryMode.Persistent), mandatory=True)
        channel.basic_ack(method.delivery_tag)


def flag_dead_letter(flag: Callable[[str, str, str, str], Any]) -> Callable[[Any, bytes], Any]:
    """What a partition consumer calls for a forwarded dead letter: `flag(application_id, step,
    command_id, error)`."""
    def flag_one(properties, body: bytes) -> Any:
        letter = read_dead_letter(properties, body)
        return flag(letter.application_id, letter.step, letter.command_id, letter.error)
    return flag_one


class DeadLetterQueue:
    """The dead-letter queue as operators see it: list without taking, and requeue one."""

    def __init__(self, amqp_uri: str, topology: Topology):
        self._params = connection_parameters(amqp_uri)
        self._topology = topology

    def list(self, limit: int = 1000) -> list[DeadLetter]:
        # Read without acking, then close the channel: every message goes back to the queue.
        connection = pika.BlockingConnection(self._params)
        try:
            channel = connection.channel()
            letters = []
            while len(letters) < limit:
                method, properties, body = channel.basic_get(self._topology.dead_letter_queue, auto_ack=False)
                if method is None:
                    break
                letters.append(read_dead_letter(properties, body))
            return letters
        finally:
            connection.close()

    def requeue(self, message_id: str) -> bool:
        """Send one dead letter back to the queue it died in (its error headers removed); False if absent."""
        connection = pika.BlockingConnection(self._params)
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            while True:
                method, properties, body = channel.basic_get(self._topology.dead_letter_queue, auto_ack=False)
                if method is None:
                    return False
                if properties.message_id == message_id:
                    break
            headers = {k: v for k, v in (properties.headers or {}).items() if not k.startswith("x-")}
            if properties.type in (RESULT_TYPE, PROGRESS_TYPE):
                kind = steps_pb2.StepProgress if properties.type == PROGRESS_TYPE else steps_pb2.StepResult
                result = kind.FromString(body)
                exchange, routing_key, reply_to = (self._topology.results_exchange,
                                                   self._topology.reply_to(result.application_id), None)
            else:
                command = steps_pb2.StepCommand.FromString(body)
                exchange, routing_key, reply_to = (self._topology.commands_exchange, command.department,
                                                   properties.reply_to or self._reply_to(command.application_id))
            channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(
                content_type=properties.content_type, type=properties.type, message_id=properties.message_id,
                headers=headers, reply_to=reply_to, delivery_mode=pika.DeliveryMode.Persistent), mandatory=True)
            channel.basic_ack(method.delivery_tag)
            return True
        finally:
            connection.close()

    def _reply_to(self, application_id: str) -> str | None:
        try:
            return self._topology.reply_to(application_id)
        except ValueError:  # not an application's id: nowhere to answer
            return None

    def count(self) -> int:
        connection = pika.BlockingConnection(self._params)
        try:
            return connection.channel().queue_declare(self._topology.dead_letter_queue, passive=True) \
                .method.message_count
        finally:
            connection.close()
