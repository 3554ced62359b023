"""RabbitMQ adapters of the coordinator (pika): the command bus and the result consumer.

Commands are persistent, published with confirms and `mandatory`, so a command
that no queue takes is an error rather than a silent loss.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable

import pika
from google.protobuf.message import DecodeError
from pika.exceptions import AMQPError

from lifeevents.messaging import COMMAND_TYPE, CONTENT_TYPE, RESULT_ROUTING_KEY, Topology
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


class ResultConsumer(threading.Thread):
    """Consumes department results and hands each to the coordinator; acks only once it is applied."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str],
                 handle: Callable[[steps_pb2.StepResult], None], prefetch: int = 32):
        super().__init__(name="amqp-result-consumer", daemon=True)
        self._params = pika.URLParameters(amqp_uri)
        self._topology = topology
        self._departments = sorted(set(departments))
        self._handle = handle
        self._prefetch = prefetch
        self._stopping = threading.Event()
        self._connection: pika.BlockingConnection | None = None
        self.ready = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._connection = pika.BlockingConnection(self._params)
                channel = self._connection.channel()
                declare_topology(channel, self._topology, self._departments)
                channel.basic_qos(prefetch_count=self._prefetch)
                channel.basic_consume(self._topology.results_queue, self._on_message)
                self.ready.set()
                log.info("consuming results from %s", self._topology.results_queue)
                channel.start_consuming()
            except AMQPError as err:
                if self._stopping.is_set():
                    break
                log.warning("result consumer lost RabbitMQ (%s); reconnecting", err)
                time.sleep(1)
        log.info("result consumer stopped")

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        try:
            result = steps_pb2.StepResult.FromString(body)
        except DecodeError:
            log.error("undecodable result message dead-lettered (%d bytes)", len(body))
            channel.basic_reject(method.delivery_tag, requeue=False)
            return
        try:
            self._handle(result)
        except Exception:  # a fault: redelivered up to the queue's delivery limit, then dead-lettered
            log.exception("result %s for %s/%s failed", result.command_id, result.application_id, result.step)
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        channel.basic_ack(method.delivery_tag)

    def stop(self) -> None:
        self._stopping.set()
        connection = self._connection
        if connection and connection.is_open:
            try:
                connection.add_callback_threadsafe(connection.close)
            except AMQPError:
                pass
