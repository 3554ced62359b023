"""The thin nameko layer every department uses: consume commands, publish results, hold the register.

Commands and results are protobuf bytes (lifeevents.v1.steps), so a department in
any language can take part; kombu passes them through untouched.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Callable

import eventlet
import kombu
import kombu.serialization
import yaml
from google.protobuf.message import DecodeError
from kombu import Exchange, Queue
from nameko.containers import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer, Publisher, decode_from_headers
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from lifeevents.messaging import (CONTENT_TYPE, RESULT_ROUTING_KEY, RESULT_TYPE, Topology, dead_letter_headers,
                                  delivery_number, gives_up, retry_pause)
from lifeevents.v1 import steps_pb2
from services.common.domain import Department, UnknownAction, UnknownQuery
from services.common.faults import FaultRules
from services.common.sqlite_register import SqliteRegister

log = logging.getLogger(__name__)

SERVICES_DIR = Path(__file__).resolve().parents[1]
PROTOBUF = "protobuf"
kombu.serialization.register(PROTOBUF, encoder=bytes, decoder=bytes,
                             content_type=CONTENT_TYPE, content_encoding="binary")


def topology() -> Topology:
    return Topology(os.environ.get("LIFEEVENTS_AMQP_PREFIX") or "lifeevents")


def data_dir() -> Path:
    return Path(os.environ.get("LIFEEVENTS_DATA_DIR") or Path(__file__).resolve().parents[2] / "var")


class MisroutedCommand(ValueError):
    """A command for another department reached this one's queue."""


# Faults no retry can fix: dead-lettered at once rather than after the delivery limit.
PERMANENT_FAULTS = (DecodeError, UnknownAction, MisroutedCommand)


class CommandConsumer(Consumer):
    """Consumes a department's durable command queue and hands the handler (body, delivery number).

    A fault is retried: the message goes back to the queue after a pause that doubles with each
    delivery. After the queue's delivery limit (or at once, for a fault no retry can fix) it is
    published to the dead-letter exchange with the error attached, then acked here, so nothing
    redelivers forever and the dead letter says why it died.
    """

    def handle_message(self, body, message):
        delivery = delivery_number(message.headers)

        def spawn_worker():
            try:
                self.container.spawn_worker(
                    self, (body, delivery), {}, context_data=decode_from_headers(message.headers),
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
        else:
            eventlet.sleep(retry_pause(delivery))
            self.consumer.requeue_message(message)
        return result, exc_info

    def _dead_letter(self, message, error: BaseException, delivery: int) -> None:
        topo = topology()
        headers = dead_letter_headers(message.headers, error, self.container.service_name, delivery,
                                      dt.datetime.now(dt.timezone.utc).isoformat())
        properties = message.properties
        with kombu.Connection(self.amqp_uri, transport_options={"confirm_publish": True}) as connection:
            connection.Producer().publish(
                message.body, exchange=Exchange(topo.dead_letter_exchange, type="fanout", durable=True),
                routing_key=message.delivery_info.get("routing_key", ""), headers=headers,
                content_type=properties.get("content_type"), content_encoding="binary",
                type=properties.get("type"), message_id=properties.get("message_id"), delivery_mode=2,
                serializer=None, retry=True)
        log.error("%s: message %s dead-lettered after %d deliveries: %s: %s", self.container.service_name,
                  properties.get("message_id"), delivery, type(error).__name__, error)


def handles_commands(department: str):
    """Consume the department's durable command queue; see CommandConsumer for faults."""
    topo = topology()
    queue = Queue(topo.command_queue(department),
                  exchange=Exchange(topo.commands_exchange, type="direct", durable=True),
                  routing_key=department, durable=True, queue_arguments=topo.queue_arguments())
    return CommandConsumer.decorator(queue)


def decide(department: Department, body: bytes, delivery: int = 1,
           faults: FaultRules | None = None) -> steps_pb2.StepResult:
    """Parse a StepCommand, let the domain decide it, and build the StepResult to send back."""
    command = steps_pb2.StepCommand.FromString(body)
    if command.department != department.name:
        raise MisroutedCommand(f"command for {command.department!r} reached {department.name!r}")
    if faults is not None:
        faults.check(department.name, command.action, command.inputs, delivery)
    decision = department.handle(command.command_id, command.action, dict(command.inputs))
    result = steps_pb2.StepResult(
        command_id=command.command_id, application_id=command.application_id, step=command.step,
        department=department.name,
        outcome=steps_pb2.StepResult.COMPLETED if decision.completed else steps_pb2.StepResult.REJECTED,
        outputs=decision.outputs, reason=decision.reason, delivery=delivery)
    result.decided_at.FromDatetime(dt.datetime.now(dt.timezone.utc))
    log.debug("%s %s for %s/%s: %s", department.name, command.action, command.application_id, command.step,
             "completed " + str(decision.outputs) if decision.completed else "refused: " + decision.reason)
    return result


class Results:
    def __init__(self, publish: Callable):
        self._publish = publish

    def send(self, result: steps_pb2.StepResult) -> None:
        self._publish(result.SerializeToString(), routing_key=RESULT_ROUTING_KEY,
                      type=RESULT_TYPE, message_id=result.command_id)


class ResultPublisher(Publisher):
    """Publishes StepResults, persistent and confirmed, to the results exchange (declaring its queue)."""

    def __init__(self):
        topo = topology()
        exchange = Exchange(topo.results_exchange, type="direct", durable=True)
        results_queue = Queue(topo.results_queue, exchange=exchange, routing_key=RESULT_ROUTING_KEY,
                              durable=True, queue_arguments=topo.queue_arguments())
        super().__init__(exchange=exchange, declare=[results_queue], serializer=PROTOBUF, mandatory=True)

    def get_dependency(self, worker_ctx):
        return Results(super().get_dependency(worker_ctx))


class DepartmentProvider(DependencyProvider):
    """Gives each worker the department's domain object, over its SQLite register, with the
    department's reference data (services/<name>/seed.yaml) loaded where it is missing."""

    def __init__(self, factory: Callable[[SqliteRegister], Department]):
        self.factory = factory
        self.department: Department | None = None

    def setup(self):
        name = self.container.service_name
        register = SqliteRegister(data_dir() / f"{name}.sqlite")
        self.department = self.factory(register)
        seed = SERVICES_DIR / name / "seed.yaml"
        if seed.exists():
            added = self.department.load_seed(yaml.safe_load(seed.read_text(encoding="utf-8")))
            log.info("%s reference data: %d record set(s) added from %s", name, added, seed.name)

    def stop(self):
        if self.department is not None:
            self.department.register.close()

    def get_dependency(self, worker_ctx):
        return self.department


def as_message(record: dict | None, message_cls, what: str):
    """A register record as a query API message, or NOT_FOUND naming what was looked for."""
    from google.protobuf import json_format
    from grpc import StatusCode
    from nameko_grpc.errors import GrpcError

    if record is None:
        raise GrpcError(code=StatusCode.NOT_FOUND, message=f"no {what}")
    return json_format.ParseDict(record, message_cls(), ignore_unknown_fields=True)


class AnswersLookups:
    """Mixin for a department service: serves the generic `Lookup.Find` from its domain's lookups."""

    @Grpc.implementing(lookup_pb2_grpc.LookupStub)
    def Find(self, request, context):
        from grpc import StatusCode
        from nameko_grpc.errors import GrpcError

        try:
            values = self.department.lookup(request.query, request.key)
        except UnknownQuery as err:
            raise GrpcError(code=StatusCode.INVALID_ARGUMENT, message=str(err))
        if values is None:
            raise GrpcError(code=StatusCode.NOT_FOUND, message=f"nothing for {request.key!r}")
        return lookup_pb2.LookupResponse(values=values)


class DepartmentService(AnswersLookups):
    """Base of every department's nameko service. A subclass sets `name` (the department) and
    `domain` (a factory of its Department from a register) and adds its gRPC queries; this wires
    the register, the result publisher and the consumer of the department's command queue."""

    name: str = ""
    domain: Callable[[SqliteRegister], Department]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.department = DepartmentProvider(cls.domain)
        cls.results = ResultPublisher()

        faults = FaultRules.from_environment()

        def on_command(self, body, delivery):
            self.results.send(decide(self.department, body, delivery, faults))

        # A new function per service: nameko keeps entrypoints on the function object.
        cls.on_command = handles_commands(cls.name)(on_command)
