"""Consumers of the coordinator's queues: the base that keeps a connection and gives messages up to
the dead-letter exchange, and the partition consumer that applies what arrives in the results queues
of the partitions this instance owns: department results, and dead letters forwarded there."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any, Callable, Iterable

import pika
from google.protobuf.message import DecodeError
from pika.exceptions import AMQPError

from lifeevents.messaging import (DEAD_LETTER_TYPE, PROGRESS_TYPE, Topology, dead_letter_headers, delivery_number,
                                  gives_up, retry_pause)
from lifeevents.v1 import steps_pb2
from saga.adapters import metrics
from saga.adapters.rabbitmq import connection_parameters
from saga.adapters.rabbitmq.topology import declare_topology
from saga.domain.errors import MalformedAnswer
from saga.domain.ports import Outcome, StepAnswer

log = logging.getLogger(__name__)


class QueueConsumer(threading.Thread):
    """Consumes on a connection of its own, reconnecting after a lost broker (to another node of a
    cluster when one is down). A subclass says what to consume in `subscribe` and handles each
    message, acking, rejecting or returning it."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str], prefetch: int = 32):
        super().__init__(name=f"amqp-{type(self).__name__}", daemon=True)
        self._params = connection_parameters(amqp_uri)
        self._topology = topology
        self._departments = sorted(set(departments))
        self._prefetch = prefetch
        self._stopping = threading.Event()
        self._connection: pika.BlockingConnection | None = None
        self.ready = threading.Event()

    def queue(self) -> str:
        raise NotImplementedError

    def subscribe(self, channel) -> None:
        channel.basic_consume(self.queue(), self.on_message)
        log.info("consuming %s", self.queue())

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
                channel.confirm_delivery()  # a message it publishes is confirmed before the ack
                declare_topology(channel, self._topology, self._departments)
                channel.basic_qos(prefetch_count=self._prefetch)
                self.subscribe(channel)
                self.ready.set()
                self.serve(channel)
            except AMQPError as err:
                self.lost()
                if self._stopping.is_set():
                    break
                log.warning("%s lost RabbitMQ (%s); reconnecting", self.name, err)
                time.sleep(1)
        self.lost()
        log.info("%s stopped", self.name)

    def lost(self) -> None:
        """The connection is gone: what it consumed is no longer consumed."""

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

    def returned(self, channel, method, properties, body: bytes, error: BaseException, delivery: int) -> None:
        """A fault: the message goes back to its queue after a pause, and is dead-lettered with the error
        after the delivery limit."""
        if gives_up(delivery):
            self.dead_letter(channel, method, properties, body, error, delivery)
        else:
            time.sleep(retry_pause(delivery))
            channel.basic_nack(method.delivery_tag, requeue=True)

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
        metrics.DEAD_LETTERS.labels("coordinator").inc()
        log.error("message %s dead-lettered after %d deliveries: %s", properties.message_id, delivery, error)


_OUTCOMES = {steps_pb2.StepResult.COMPLETED: Outcome.COMPLETED, steps_pb2.StepResult.REJECTED: Outcome.REJECTED,
             steps_pb2.StepResult.RETURNED: Outcome.RETURNED}


def _moment(message, name: str) -> dt.datetime | None:
    try:
        return getattr(message, name).ToDatetime(dt.timezone.utc) if message.HasField(name) else None
    except (ValueError, OverflowError):
        raise MalformedAnswer(f"{name} is not a moment between the years 1 and 9999") from None


def answer_of(result: steps_pb2.StepResult) -> StepAnswer:
    """A department's StepResult as the answer the coordinator applies (checked first: check_answer)."""
    outcome = _OUTCOMES.get(result.outcome, Outcome.UNSPECIFIED)
    return StepAnswer(result.application_id, result.step, result.command_id, outcome is Outcome.COMPLETED,
                      dict(result.outputs), result.reason, max(result.delivery, 1), _moment(result, "decided_at"),
                      result.department, outcome, result.decided_by, returned=dict(result.returned_inputs))


def progress_of(progress: steps_pb2.StepProgress) -> StepAnswer:
    """A department's StepProgress (a case in its worklist) as what the coordinator records."""
    outcome = Outcome.WITH_OFFICER if progress.state == steps_pb2.StepProgress.WITH_OFFICER else Outcome.UNSPECIFIED
    return StepAnswer(progress.application_id, progress.step, progress.command_id, False, {},
                      department=progress.department, outcome=outcome, since=_moment(progress, "since"),
                      officer=progress.officer, reasons=tuple(progress.reasons))


def _kind(properties) -> str:
    return "StepProgress" if properties.type == PROGRESS_TYPE else "StepResult"


def answer_in(properties, body: bytes) -> StepAnswer:
    """What a results queue delivered: a StepProgress (by its AMQP type) or a StepResult."""
    if properties.type == PROGRESS_TYPE:
        return progress_of(steps_pb2.StepProgress.FromString(body))
    return answer_of(steps_pb2.StepResult.FromString(body))


class PartitionConsumer(QueueConsumer):
    """Consumes the results queues of the partitions this instance owns (`consume(partitions)`, called
    as leases are won and given up) on one channel, and hands the answers to `record` in batches
    (whatever has arrived, up to the prefetch), so one store transaction carries many; acks only once
    they are recorded. Each answer is checked first (`check`, against its step and the catalogue): a
    malformed one is dead-lettered at once with its error, as an undecodable one is. If a batch fails,
    its answers are recorded one by one: one that cannot be is returned after a pause, and
    dead-lettered with its error after the delivery limit. A dead letter forwarded to the partition
    flags its step through `flag`."""

    def __init__(self, amqp_uri: str, topology: Topology, departments: Iterable[str],
                 record: Callable[[list[StepAnswer]], Any], flag: Callable[[Any], Any] | None = None,
                 prefetch: int = 64, check: Callable[[StepAnswer], None] = lambda answer: None):
        super().__init__(amqp_uri, topology, departments, prefetch)
        self._record, self._flag, self._check = record, flag, check
        self._arrived: list[tuple] = []
        self._wanted: frozenset[int] = frozenset()
        self._tags: dict[int, str] = {}  # partition -> consumer tag, on the current channel
        self._changed = threading.Condition()

    @property
    def partitions(self) -> frozenset[int]:
        """The partitions consumed now."""
        return frozenset(self._tags)

    def consume(self, partitions: Iterable[int], wait_s: float = 0.0) -> bool:
        """Consume these partitions' queues, and no others; with `wait_s`, wait until given-up ones are
        no longer consumed and what they delivered is settled (False if that took longer)."""
        with self._changed:
            self._wanted = frozenset(partitions)
            if wait_s <= 0:
                return True
            return self._changed.wait_for(lambda: not (set(self._tags) - self._wanted), timeout=wait_s)

    def subscribe(self, channel) -> None:
        self._tags = {}
        self._adjust(channel)

    def lost(self) -> None:
        with self._changed:
            self._tags = {}
            self._arrived = []  # unacked deliveries of a lost connection come again
            self._changed.notify_all()

    def _adjust(self, channel) -> None:
        wanted = self._wanted
        for partition in sorted(set(self._tags) - wanted):
            pending = channel.basic_cancel(self._tags[partition]) or []
            self._arrived.extend(pending)
            if self._arrived:
                self._apply(channel, self._drain())
            with self._changed:
                del self._tags[partition]
                self._changed.notify_all()
            log.info("partition %02d given up", partition)
        for partition in sorted(wanted - set(self._tags)):
            self._tags[partition] = channel.basic_consume(self._topology.results_queue(partition), self.on_message)
            log.info("partition %02d taken: consuming %s", partition, self._topology.results_queue(partition))
        metrics.set_partitions(self._tags, self._topology.partitions)

    def on_message(self, channel, method, properties, body: bytes) -> None:
        self._arrived.append((method, properties, body))

    def _drain(self) -> list[tuple]:
        batch, self._arrived = self._arrived, []
        return batch

    def serve(self, channel) -> None:
        self._arrived = []
        while not self._stopping.is_set():
            if self._wanted != frozenset(self._tags):
                self._adjust(channel)
            self._connection.process_data_events(time_limit=0.5)  # returns once something has arrived
            if self._arrived:
                self._connection.process_data_events(time_limit=0)  # and whatever else is already here
                self._apply(channel, self._drain())
        # Stopping: settle what has arrived, then give every partition up.
        self._wanted = frozenset()
        self._adjust(channel)
        channel.close()
        self._connection.close()

    def _apply(self, channel, batch: list[tuple]) -> None:
        decoded, letters = [], []
        for method, properties, body in batch:
            if properties.type == DEAD_LETTER_TYPE:
                letters.append((method, properties, body))
                continue
            try:
                answer = answer_in(properties, body)
                self._check(answer)
                decoded.append((method, properties, body, answer))
            except DecodeError as err:
                self.dead_letter(channel, method, properties, body, f"undecodable {_kind(properties)}: {err}",
                                 delivery_number(properties.headers))
            except MalformedAnswer as err:  # poison: no retry makes it fit the catalogue
                self.dead_letter(channel, method, properties, body, f"malformed {_kind(properties)}: {err}",
                                 delivery_number(properties.headers))
        for letter in letters:
            self._apply_dead_letter(channel, *letter)
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
        for method, *_ in decoded:
            channel.basic_ack(method.delivery_tag)

    def _apply_one(self, channel, method, properties, body: bytes, answer: StepAnswer) -> None:
        delivery = delivery_number(properties.headers)
        try:
            self._record([answer])
        except Exception as err:
            log.exception("result %s for %s/%s failed", answer.command_id, answer.application_id, answer.step)
            self.returned(channel, method, properties, body, err, delivery)
            return
        channel.basic_ack(method.delivery_tag)

    def _apply_dead_letter(self, channel, method, properties, body: bytes) -> None:
        try:
            if self._flag is not None:
                self._flag(properties, body)
        except Exception:
            log.exception("flagging dead letter %s failed", properties.message_id)
            channel.basic_nack(method.delivery_tag, requeue=True)  # dropped after the delivery limit
            return
        channel.basic_ack(method.delivery_tag)
