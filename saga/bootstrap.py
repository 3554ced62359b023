"""The composition root of the coordinator: the one place that builds it and everything around it.

`wire` builds the core and starts nothing: the coordinator (use cases on the event store), the outbox
relay, the timer index and read models with their scheduler, Watch's fan-out and the queries. Unit
and integration tests call it with fakes injected (a recording bus, a stepping clock, an in-memory
store). `bootstrap` wires the same core for production, then connects RabbitMQ (command bus,
result consumer, dead-letter watcher), catches up with the log and serves gRPC.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Callable

import grpc
from eventsourcing.sqlite import SQLiteDatastore

from lifeevents.messaging import Topology
from saga.adapters.bundle_files import load_bundles, load_catalogue, parse_bundle_text
from saga.adapters.clock import OffsetClock
from saga.adapters.lookups import GrpcLookups
from saga.adapters.parties import Parties, PartiesView
from saga.adapters.projections import TrackedView, projections_datastore
from saga.adapters.rabbitmq.consumers import ResultConsumer
from saga.adapters.rabbitmq.dead_letters import DeadLetterQueue, DeadLetterWatcher
from saga.adapters.rabbitmq.publisher import RabbitCommandBus
from saga.adapters.read_models import ReadModels, ReadModelsView
from saga.adapters.relay import CommandRelay, adopt_legacy_position
from saga.adapters.secrets import secret_file
from saga.adapters.timers import Scheduler, TimerIndex, TimerView
from saga.config import Config
from saga.coordinator import Coordinator
from saga.domain.application import NewId
from saga.domain.bundle import BundleSet
from saga.domain.ports import CommandBus, RegisterLookups
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.operations_api import OperationsServicer
from saga.entrypoints.server import build_server
from saga.queries import Queries, Watchers

log = logging.getLogger(__name__)


@dataclass
class Wiring:
    coordinator: Coordinator
    relay: CommandRelay
    timers: TimerIndex
    read_models: ReadModels
    parties: Parties
    scheduler: Scheduler
    watchers: Watchers
    queries: Queries
    projections: SQLiteDatastore

    def close(self) -> None:
        self.coordinator.close()
        self.coordinator.lookups.close()
        self.projections.close()


def wire(config: Config | None = None, *, bus: CommandBus, bundles: BundleSet | None = None,
         clock: Callable[[], dt.datetime] | None = None, lookups: RegisterLookups | None = None,
         projections: SQLiteDatastore | None = None, new_id: NewId = uuid.uuid4) -> Wiring:
    """The coordinator's core, built and not started. Left out: the bundles and catalogue from the
    config's files, its offset clock, no register lookups, the projections database in its data dir."""
    config = config or Config()
    catalogue = load_catalogue(config.catalogue_file)
    bundles = bundles if bundles is not None else load_bundles(config.bundles_dir, catalogue)
    clock = clock or OffsetClock(config.clock_offset_file)
    config.make_data_dir()
    projections = projections or projections_datastore(config.projections_file)
    id_secret = (config.application_id_secret.encode() if config.application_id_secret
                 else secret_file(config.application_id_secret_file))
    coordinator = Coordinator(bundles, clock=clock, env=config.event_store_env(), lookups=lookups, new_id=new_id,
                              id_secret=id_secret)
    positions = TrackedView(projections)
    adopt_legacy_position(positions, config.data_dir / "relay.sqlite")
    # Commands leave through the outbox: the relay publishes what the stream records.
    relay = CommandRelay(coordinator.recorder, coordinator.mapper, bus, positions)
    watchers = Watchers()
    coordinator.listen(watchers.publish)
    coordinator.listen(lambda events: relay.notify())
    timers, read_models = TimerIndex(TimerView(projections)), ReadModels(ReadModelsView(projections))
    parties = Parties(PartiesView(projections))
    scheduler = Scheduler(coordinator, timers, clock, followers=[read_models, parties])
    queries = Queries(coordinator, watchers, read_models, [read_models, timers, parties],
                      lambda text: parse_bundle_text(text, catalogue), catalogue, parties)
    return Wiring(coordinator, relay, timers, read_models, parties, scheduler, watchers, queries, projections)


@dataclass
class Running:
    wiring: Wiring
    bus: CommandBus
    consumer: ResultConsumer
    dead_letters: DeadLetterWatcher
    server: grpc.Server
    port: int

    @property
    def coordinator(self) -> Coordinator:
        return self.wiring.coordinator

    def stop(self, grace: float = 2.0) -> None:
        self.server.stop(grace).wait()
        for thread in (self.wiring.scheduler, self.wiring.relay, self.consumer, self.dead_letters):
            thread.stop()
            thread.join(timeout=5)
        if isinstance(self.bus, RabbitCommandBus):
            self.bus.close()
        self.wiring.close()


def bootstrap(config: Config | None = None, *, bus: CommandBus | None = None, lookups: RegisterLookups | None = None,
              clock: Callable[[], dt.datetime] | None = None, projections: SQLiteDatastore | None = None,
              new_id: NewId = uuid.uuid4) -> Running:
    """The running coordinator: RabbitMQ connected, caught up with the log, serving gRPC."""
    config = config or Config()
    identity = config.identity
    identity.check(needs_service_token=lookups is None)
    verifier = identity.verifier()  # wall-clock time: never the offset test clock
    if warning := identity.warning():
        log.warning("%s", warning)
    tls = config.tls
    topology = Topology(config.amqp_prefix)
    departments = sorted(load_catalogue(config.catalogue_file).departments)
    if bus is None:
        bus = RabbitCommandBus(config.amqp_uri, topology, departments)
        bus.start()
    wiring = wire(config, bus=bus, clock=clock, projections=projections, new_id=new_id,
                  lookups=lookups or GrpcLookups(identity.service_credential("coordinator")))
    coordinator = wiring.coordinator
    wiring.relay.relay_pending()  # catch up on what a crash left unpublished, before serving
    wiring.relay.start()
    wiring.scheduler.follow()  # catch up with the log before serving: every running wait is in the index
    wiring.scheduler.start()
    consumer = ResultConsumer(config.amqp_uri, topology, departments, coordinator.record_results)
    dead_letters = DeadLetterWatcher(config.amqp_uri, topology, departments, coordinator.dead_lettered)
    for started in (consumer, dead_letters):
        started.start()
        started.ready.wait(timeout=30)
    operations = OperationsServicer(coordinator, wiring.queries, DeadLetterQueue(config.amqp_uri, topology), verifier)
    server, port = build_server(ApplicationsServicer(coordinator, wiring.queries, verifier), operations,
                                config.grpc_address, tls=tls)
    server.start()
    log.info("coordinator serving lifeevents.v1.Applications on %s (port %d, %s); bundles: %s; event store: %s",
             config.grpc_address, port, "TLS" if tls else "plain gRPC, no TLS",
             ", ".join(b.id for b in coordinator.bundles), config.event_store_env()["PERSISTENCE_MODULE"])
    return Running(wiring, bus, consumer, dead_letters, server, port)
