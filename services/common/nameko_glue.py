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

import kombu.serialization
import yaml
from kombu import Exchange, Queue
from nameko.extensions import DependencyProvider
from nameko.messaging import Publisher, consume
from nameko_grpc.entrypoint import Grpc

from lifeevents.departments.v1 import lookup_pb2, lookup_pb2_grpc
from lifeevents.messaging import CONTENT_TYPE, RESULT_ROUTING_KEY, RESULT_TYPE, Topology
from lifeevents.v1 import steps_pb2
from services.common.domain import Department, UnknownQuery
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


def handles_commands(department: str):
    """Consume the department's durable command queue; a fault requeues, up to the delivery limit."""
    topo = topology()
    queue = Queue(topo.command_queue(department),
                  exchange=Exchange(topo.commands_exchange, type="direct", durable=True),
                  routing_key=department, durable=True, queue_arguments=topo.queue_arguments())
    return consume(queue, requeue_on_error=True)


def decide(department: Department, body: bytes) -> steps_pb2.StepResult:
    """Parse a StepCommand, let the domain decide it, and build the StepResult to send back."""
    command = steps_pb2.StepCommand.FromString(body)
    if command.department != department.name:
        raise ValueError(f"command for {command.department!r} reached {department.name!r}")
    decision = department.handle(command.command_id, command.action, dict(command.inputs))
    result = steps_pb2.StepResult(
        command_id=command.command_id, application_id=command.application_id, step=command.step,
        department=department.name,
        outcome=steps_pb2.StepResult.COMPLETED if decision.completed else steps_pb2.StepResult.REJECTED,
        outputs=decision.outputs, reason=decision.reason)
    result.decided_at.FromDatetime(dt.datetime.now(dt.timezone.utc))
    log.info("%s %s for %s/%s: %s", department.name, command.action, command.application_id, command.step,
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

        def on_command(self, body):
            self.results.send(decide(self.department, body))

        # A new function per service: nameko keeps entrypoints on the function object.
        cls.on_command = handles_commands(cls.name)(on_command)
