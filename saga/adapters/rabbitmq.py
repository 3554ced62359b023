"""RabbitMQ adapters of the coordinator (pika): the command bus and the result consumer.

Commands are persistent, published with confirms and `mandatory`, so a command
that no queue takes is an error rather than a silent loss.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import pika
from google.protobuf.message import DecodeError
from pika.exceptions import AMQPError

from lifeevents.messaging import (COMMAND_TYPE, CONTENT_TYPE, DELIVERY_LIMIT, RESULT_ROUTING_KEY, RESULT_TYPE,
                                  Topology, dead_letter_headers, delivery_number, gives_up, retry_pause)
from lifeevents.v1 import steps_pb2
from saga.domain.model import Dispatch
from saga.domain.ports import CommandBus

log = logging.getLogger(__name__)


def declare_topology(channel, topology: Topology, departments: Iterable[str]) -> None:
    """Declare exchanges and queues; safe to repeat, and the departments declare the same."""
    channel.exchange_declare(topology.commands_exchange, "direct", durable=True)
    channel.exchange_declare(topology.results_exchange, "direct", durable=True)
    channel.exchange_declare(topology.dead_letter_exchange, "fanout", durable=True)
    channel.queue_declare(topology.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(topology.dead_letter_queue, topology.dead_letter_exchange)
    # Flagging a dead letter's step is retried a few times, then dropped: the dead letter itself
    # stays in the dead-letter queue.
    channel.queue_declare(topology.dead_letter_watch_queue, durable=True,
                          arguments={"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT})
    channel.queue_bind(topology.dead_letter_watch_queue, topology.dead_letter_exchange)
    channel.queue_declare(topology.results_queue, durable=True, arguments=topology.queue_arguments())
    channel.queue_bind(topology.results_queue, topology.results_exchange, RESULT_ROUTING_KEY)
    for department in departments:
        queue = topology.command_queue(department)
        channel.queue_declare(queue, durable=True, arguments=topology.queue_arguments())
        channel.queue_bind(queue, topology.commands_exchange, department)


def command_message(dispatch: Dispatch) -> steps_pb2.StepCommand:
    command = steps_pb2.StepCommand(
        command_id=dispatch.command_id, application_id=str(dispatch.application_id), bundle=dispatch.bundle,
        step=dispatch.step, department=dispatch.department, action=dispatch.action, inputs=dispatch.inputs)
    command.issued_at.FromDatetime(dispatch.issued_at)
    command.due_at.FromDatetime(dispatch.due_at)
    return command


class RabbitCommandBus(CommandBus):
    """Publishes step commands over one confirmed channel, shared by the coordinator's threads."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str]):
        self._params = pika.URLParameters(amqp_uri)
        self._topology = topology
        self._departments = sorted(set(departments))
        self._lock = threading.Lock()
        self._connection: pika.BlockingConnection | None = None
        self._channel = None
        self._closed = threading.Event()
        self._keeper = threading.Thread(target=self._keep_alive, name="amqp-publisher-heartbeat", daemon=True)

    def start(self) -> None:
        with self._lock:
            self._connect()
        self._keeper.start()

    def _connect(self) -> None:
        self._connection = pika.BlockingConnection(self._params)
        self._channel = self._connection.channel()
        self._channel.confirm_delivery()
        declare_topology(self._channel, self._topology, self._departments)

    def _keep_alive(self) -> None:
        # A BlockingConnection only answers heartbeats when called; call it while idle.
        while not self._closed.wait(5):
            with self._lock:
                try:
                    if self._connection and self._connection.is_open:
                        self._connection.process_data_events(time_limit=0)
                except AMQPError:
                    log.warning("publisher connection lost; it reconnects on the next send")
                    self._connection = None

    def send(self, dispatches: list[Dispatch]) -> None:
        if not dispatches:
            return
        with self._lock:
            for attempt in range(3):
                try:
                    if self._connection is None or not self._connection.is_open:
                        self._connect()
                    for dispatch in dispatches:
                        self._publish(dispatch)
                    return
                except AMQPError as err:
                    # Re-sending after a lost connection is safe: departments answer a repeated command once.
                    log.warning("publish failed (%s), reconnecting (attempt %d)", err, attempt + 1)
                    self._connection = None
                    time.sleep(0.2 * (attempt + 1))
            raise ConnectionError("could not publish step commands to RabbitMQ")

    def _publish(self, dispatch: Dispatch) -> None:
        self._channel.basic_publish(
            self._topology.commands_exchange, dispatch.department, command_message(dispatch).SerializeToString(),
            pika.BasicProperties(content_type=CONTENT_TYPE, type=COMMAND_TYPE, message_id=dispatch.command_id,
                                 delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._connection and self._connection.is_open:
                self._connection.close()


class QueueConsumer(threading.Thread):
    """Consumes one queue on a connection of its own, reconnecting after a lost broker. A subclass
    handles each message and acks, rejects or returns it."""

    queue_name: str = ""

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


class ResultConsumer(QueueConsumer):
    """Consumes department results and hands them to the coordinator in batches (whatever has
    arrived, up to the prefetch), so one store transaction carries many; acks only once they are
    applied. If a batch fails, its results are applied one by one: a result that cannot be applied
    is returned after a pause, and dead-lettered with its error after the delivery limit."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str],
                 handle: Callable[[list[steps_pb2.StepResult]], None], prefetch: int = 64):
        super().__init__(amqp_uri, topology, departments, prefetch)
        self._handle = handle
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
                decoded.append((method, properties, body, steps_pb2.StepResult.FromString(body)))
            except DecodeError as err:
                self.dead_letter(channel, method, properties, body, f"undecodable StepResult: {err}",
                                 delivery_number(properties.headers))
        if not decoded:
            return
        try:
            self._handle([result for *_, result in decoded])
        except Exception:
            log.warning("a batch of %d results failed; applying them one by one", len(decoded))
            for message in decoded:
                self._apply_one(channel, *message)
            return
        channel.basic_ack(max(method.delivery_tag for method, *_ in decoded), multiple=True)

    def _apply_one(self, channel, method, properties, body: bytes, result: steps_pb2.StepResult) -> None:
        delivery = delivery_number(properties.headers)
        try:
            self._handle([result])
        except Exception as err:  # a fault: returned, then dead-lettered after the delivery limit
            log.exception("result %s for %s/%s failed", result.command_id, result.application_id, result.step)
            if gives_up(delivery):
                self.dead_letter(channel, method, properties, body, err, delivery)
            else:
                time.sleep(retry_pause(delivery))
                channel.basic_nack(method.delivery_tag, requeue=True)
            return
        channel.basic_ack(method.delivery_tag)


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
    message = None
    try:
        if properties.type == COMMAND_TYPE:
            message = steps_pb2.StepCommand.FromString(body)
        elif properties.type == RESULT_TYPE:
            message = steps_pb2.StepResult.FromString(body)
    except DecodeError:
        pass
    error = headers.get("x-error")
    if error is None:
        deaths = headers.get("x-death") or [{}]
        reason = deaths[0].get("reason", "unknown")
        error = f"{reason} after {deaths[0].get('count', '?')} death(s) in {deaths[0].get('queue', '?')}"
    decode = lambda value: value.decode() if isinstance(value, bytes) else str(value)  # noqa: E731
    return DeadLetter(
        message_id=properties.message_id or "", type=properties.type or "",
        application_id=message.application_id if message else "", step=message.step if message else "",
        command_id=message.command_id if message else "",
        department=message.department if message else decode(headers.get("x-consumer", "")),
        error=decode(error), consumer=decode(headers.get("x-consumer", "broker")),
        deliveries=int(headers.get("x-deliveries") or 0),
        dead_lettered_at=decode(headers.get("x-dead-lettered-at", "")))


class DeadLetterWatcher(QueueConsumer):
    """Flags the step of every dead-lettered command or result on its application."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str],
                 flag: Callable[[DeadLetter], None]):
        super().__init__(amqp_uri, topology, departments, prefetch=8)
        self._flag = flag

    def queue(self) -> str:
        return self._topology.dead_letter_watch_queue

    def on_message(self, channel, method, properties, body: bytes) -> None:
        letter = read_dead_letter(properties, body)
        if not letter.application_id:
            log.error("dead letter %s names no application: %s", letter.message_id, letter.error)
            channel.basic_ack(method.delivery_tag)
            return
        try:
            self._flag(letter)
        except Exception:
            log.exception("flagging dead letter %s failed", letter.message_id)
            channel.basic_nack(method.delivery_tag, requeue=True)  # dropped after the delivery limit
            return
        channel.basic_ack(method.delivery_tag)


class DeadLetterQueue:
    """The dead-letter queue as operators see it: list without taking, and requeue one."""

    def __init__(self, amqp_uri: str, topology: Topology):
        self._params = pika.URLParameters(amqp_uri)
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
            exchange, routing_key = (
                (self._topology.results_exchange, RESULT_ROUTING_KEY) if properties.type == RESULT_TYPE else
                (self._topology.commands_exchange, steps_pb2.StepCommand.FromString(body).department))
            channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(
                content_type=properties.content_type, type=properties.type, message_id=properties.message_id,
                headers=headers, delivery_mode=pika.DeliveryMode.Persistent), mandatory=True)
            channel.basic_ack(method.delivery_tag)
            return True
        finally:
            connection.close()

    def count(self) -> int:
        connection = pika.BlockingConnection(self._params)
        try:
            return connection.channel().queue_declare(self._topology.dead_letter_queue, passive=True) \
                .method.message_count
        finally:
            connection.close()
