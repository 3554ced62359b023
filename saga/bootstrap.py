"""Composition root of the coordinator: wires config, event store, RabbitMQ and gRPC."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import grpc

from lifeevents.messaging import Topology
from lifeevents.v1 import steps_pb2
from saga.adapters.bundle_files import load_bundles, load_catalogue, parse_bundle_text
from saga.adapters.clock import OffsetClock
from saga.adapters.lookups import GrpcLookups
from saga.adapters.rabbitmq import DeadLetter, DeadLetterQueue, DeadLetterWatcher, RabbitCommandBus, ResultConsumer
from saga.adapters.read_models import ReadModels
from saga.adapters.relay import SqlitePosition
from saga.adapters.timers import TimerIndex, WaitScheduler
from saga.config import Config
from saga.coordinator import Coordinator, StepAnswer
from saga.entrypoints.grpc_api import build_server
from saga.entrypoints.operations_api import OperationsServicer, parse_operator_tokens

log = logging.getLogger(__name__)


@dataclass
class Running:
    coordinator: Coordinator
    bus: RabbitCommandBus
    consumer: ResultConsumer
    dead_letters: DeadLetterWatcher
    server: grpc.Server
    port: int
    scheduler: WaitScheduler

    def stop(self, grace: float = 2.0) -> None:
        self.server.stop(grace).wait()
        self.scheduler.stop()
        self.coordinator.relay.stop()
        self.coordinator.relay.join(timeout=5)
        for consumer in (self.consumer, self.dead_letters):
            consumer.stop()
            consumer.join(timeout=5)
        self.bus.close()
        self.coordinator.close()


def start(config: Config | None = None) -> Running:
    config = config or Config()
    catalogue = load_catalogue(config.catalogue_file)
    bundles = load_bundles(config.bundles_dir, catalogue)
    topology = Topology(config.amqp_prefix)
    departments = sorted(catalogue.departments)
    bus = RabbitCommandBus(config.amqp_uri, topology, departments)
    bus.start()
    clock = OffsetClock(config.clock_offset_file)
    coordinator = Coordinator(bundles, bus, clock=clock, env=config.event_store_env(), lookups=GrpcLookups(),
                              relay_position=SqlitePosition(config.data_dir / "relay.sqlite", "commands"))
    coordinator.relay.relay_pending()  # catch up on what a crash left unpublished, before serving
    coordinator.relay.start()
    read_models = ReadModels(config.data_dir / "read_models.sqlite")
    scheduler = WaitScheduler(coordinator, TimerIndex(config.data_dir / "timers.sqlite"), clock,
                              followers=[read_models])
    scheduler.follow()  # catch up with the log before serving: every running wait is in the index
    scheduler.start()

    def apply(results: list[steps_pb2.StepResult]) -> None:
        coordinator.record_results([
            StepAnswer(r.application_id, r.step, r.command_id, r.outcome == steps_pb2.StepResult.COMPLETED,
                       dict(r.outputs), r.reason, r.delivery,
                       r.decided_at.ToDatetime(dt.timezone.utc) if r.HasField("decided_at") else None)
            for r in results])

    def flag(letter: DeadLetter) -> None:
        coordinator.dead_lettered(letter.application_id, letter.step, letter.command_id, letter.error)

    consumer = ResultConsumer(config.amqp_uri, topology, departments, apply)
    dead_letters = DeadLetterWatcher(config.amqp_uri, topology, departments, flag)
    for started in (consumer, dead_letters):
        started.start()
        started.ready.wait(timeout=30)
    operations = OperationsServicer(coordinator, read_models, [read_models, scheduler.index],
                                    DeadLetterQueue(config.amqp_uri, topology),
                                    parse_operator_tokens(config.operator_tokens),
                                    lambda text: parse_bundle_text(text, catalogue))
    server, port = build_server(coordinator, config.grpc_address, operations=operations)
    server.start()
    log.info("coordinator serving lifeevents.v1.Applications on %s (port %d); bundles: %s; event store: %s",
             config.grpc_address, port, ", ".join(b.id for b in bundles), config.event_store_env()["PERSISTENCE_MODULE"])
    return Running(coordinator, bus, consumer, dead_letters, server, port, scheduler)
