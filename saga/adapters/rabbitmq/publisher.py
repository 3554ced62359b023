"""The command bus: step commands published over one confirmed channel, shared by the coordinator's
threads. Commands are persistent, published with confirms and `mandatory`, so a command that no
queue takes is an error rather than a silent loss."""
from __future__ import annotations

import logging
import threading
import time
from typing import Iterable

import pika
from pika.exceptions import AMQPError

from lifeevents.messaging import COMMAND_TYPE, CONTENT_TYPE, Topology
from lifeevents.v1 import steps_pb2
from saga.adapters.rabbitmq import connection_parameters
from saga.adapters.rabbitmq.topology import declare_topology
from saga.domain.ports import CommandBus, Dispatch

log = logging.getLogger(__name__)


def command_message(dispatch: Dispatch) -> steps_pb2.StepCommand:
    command = steps_pb2.StepCommand(
        command_id=dispatch.command_id, application_id=str(dispatch.application_id), bundle=dispatch.bundle,
        step=dispatch.step, department=dispatch.department, action=dispatch.action, inputs=dispatch.inputs,
        review=steps_pb2.StepCommand.Review.Value(dispatch.review or "AUTO"), review_reasons=dispatch.review_reasons)
    command.issued_at.FromDatetime(dispatch.issued_at)
    command.due_at.FromDatetime(dispatch.due_at)
    return command


class RabbitCommandBus(CommandBus):
    """Publishes to `<prefix>.commands`, routed by department to `<prefix>.<department>.commands`; each
    command names the results queue of its application's partition as its reply_to."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str]):
        self._params = connection_parameters(amqp_uri)
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
                                 reply_to=self._topology.reply_to(dispatch.application_id),
                                 delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._connection and self._connection.is_open:
                self._connection.close()
