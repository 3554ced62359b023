"""The composition root of the coordinator: the one place that builds it and everything around it.

`migrate` creates every table the coordinator uses (`lifeevents migrate`, before any instance starts).
`wire` builds the core and starts nothing: the coordinator (use cases on the event store), the outbox
relay, the timer index and read models with their scheduler, Watch's watchers with the log follower
that wakes them, and the queries. Unit and integration tests call it with fakes injected (a
recording bus, a stepping clock, an in-memory store). `bootstrap` wires the same core for
production, then connects RabbitMQ (command bus, partition consumer, dead-letter watcher), takes its
share of the work by leases and serves gRPC (health SERVING once the broker and every department
answer).
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Callable

from lifeevents.messaging import Topology
from lifeevents.observability import serve_metrics
from saga.adapters import metrics
from saga.adapters.bundle_files import load_bundles, load_catalogue, parse_bundle_text
from saga.adapters.clock import OffsetClock
from saga.adapters.leases import FileLeases, Leases, PostgresLeases
from saga.adapters.log_follower import LogFollower
from saga.adapters.lookups import GrpcLookups
from saga.adapters.notifications import KeptNotifications, NotificationRelay, RabbitNotificationBus, start_at_the_head
from saga.adapters.ownership import Ownership, Roles
from saga.adapters.parties import Parties, PartiesView
from saga.adapters.projection_store import PostgresProjections, ProjectionStore, SqliteProjections
from saga.adapters.rabbitmq.consumers import PartitionConsumer
from saga.adapters.rabbitmq.dead_letters import DeadLetterQueue, DeadLetterWatcher, flag_dead_letter
from saga.adapters.rabbitmq.events import EventConsumer
from saga.adapters.rabbitmq.publisher import RabbitCommandBus
from saga.adapters.read_models import ReadModels, ReadModelsView
from saga.adapters.readiness import DepartmentPing, readiness
from saga.adapters.relay import CommandRelay, adopt_legacy_position
from saga.adapters.secrets import secret_file
from saga.adapters.starts import Starts, StartsView
from saga.adapters.follow_ups import FollowUps, FollowUpsView
from saga.adapters.timers import Scheduler, TimerIndex, TimerView
from saga.adapters.wakeups import PostgresWakeups, Wakeups
from saga.config import Config
from saga.coordinator import Coordinator
from saga.domain.application import NewId
from saga.domain.bundle import BundleSet
from saga.domain.ports import CommandBus, RegisterLookups
from saga.entrypoints.applications_api import ApplicationsServicer
from saga.entrypoints.front_desk_api import FrontDeskServicer
from saga.entrypoints.operations_api import OperationsServicer
from saga.entrypoints.server import CoordinatorServer
from saga.queries import Queries
from saga.watchers import Watchers

log = logging.getLogger(__name__)


def projection_store(config: Config) -> ProjectionStore:
    """Beside the events: in the PostgreSQL event store's database, or a SQLite file of the data dir."""
    if config.on_postgres:
        return PostgresProjections(config.event_store_env())
    return SqliteProjections(config.projections_file)


def views(store: ProjectionStore, config: Config) -> tuple[TimerView, ReadModelsView, PartiesView, StartsView,
                                                         FollowUpsView]:
    """Every view of the projections store (a new projection's view is added here)."""
    return (TimerView(store, config.partitions), ReadModelsView(store), PartiesView(store), StartsView(store),
            FollowUpsView(store))


def create_views(store: ProjectionStore, config: Config) -> None:
    timers, *others = views(store, config)
    if timers.outdated():  # an index from before partitions: rebuilt from the log
        timers.reset(TimerIndex.name)
    for view in (timers, *others):
        view.create()


def migrate(config: Config | None = None) -> None:
    """Create the event store's tables (the library's), the tracking table and every view's tables."""
    config = config or Config()
    catalogue = load_catalogue(config.catalogue_file)
    Coordinator(load_bundles(config.bundles_dir, catalogue), env=config.event_store_env(create_table=True)).close()
    store = projection_store(config)
    try:
        create_views(store, config)
    finally:
        store.close()


@dataclass
class Wiring:
    coordinator: Coordinator
    relay: CommandRelay
    timers: TimerIndex
    read_models: ReadModels
    parties: Parties
    scheduler: Scheduler
    watchers: Watchers
    follower: LogFollower
    queries: Queries
    projections: ProjectionStore
    wakeups: Wakeups
    notifications: NotificationRelay

    def close(self) -> None:
        self.wakeups.stop()
        self.queries.close()
        self.coordinator.close()
        self.coordinator.lookups.close()
        self.projections.close()


def wire(config: Config | None = None, *, bus: CommandBus, bundles: BundleSet | None = None,
         clock: Callable[[], dt.datetime] | None = None, lookups: RegisterLookups | None = None,
         projections: ProjectionStore | None = None, new_id: NewId = uuid.uuid4,
         notification_bus: CommandBus | None = None) -> Wiring:
    """The coordinator's core, built and not started. Left out: the bundles and catalogue from the
    config's files, its offset clock, no register lookups, the projections store beside the events,
    notifications kept in memory. With `config.create_schema` (tests, a throwaway store) it creates its
    tables first."""
    config = config or Config()
    catalogue = load_catalogue(config.catalogue_file)
    bundles = bundles if bundles is not None else load_bundles(config.bundles_dir, catalogue)
    clock = clock or OffsetClock(config.clock_offset_file)
    config.make_data_dir()
    projections = projections or projection_store(config)
    if config.create_schema:
        create_views(projections, config)
    # Every coordinator of a store derives the same id from a caller's idempotency key: the secret is
    # configured, or kept in the data directory they share.
    id_secret = (config.application_id_secret.encode() if config.application_id_secret
                 else secret_file(config.application_id_secret_file))
    coordinator = Coordinator(bundles, clock=clock, env=config.event_store_env(), lookups=lookups, new_id=new_id,
                              catalogue=catalogue, id_secret=id_secret)
    adopt_legacy_position(projections, config.data_dir / "relay.sqlite")
    # Commands leave through the outbox: the relay publishes what the stream records.
    relay = CommandRelay(coordinator.recorder, coordinator.mapper, bus, projections)
    # So do notifications: a relay of its own turns the moments of the log into them.
    start_at_the_head(projections, coordinator.recorder)
    notifications = NotificationRelay(coordinator.recorder, coordinator.mapper, notification_bus or KeptNotifications(),
                                      projections, coordinator.read_application, coordinator.bundle,
                                      coordinator.language_of, catalogue)
    # Watch: one follower tails the log (woken by every save, here or, on PostgreSQL, in another
    # instance) and wakes the watchers it concerns.
    watchers = Watchers(config.watch_streams_per_caller, config.watch_streams_total)
    follower = LogFollower(coordinator.recorder, watchers.wake)
    timer_view, read_models_view, parties_view, starts_view, follow_ups_view = views(projections, config)
    timers, read_models, parties = TimerIndex(timer_view), ReadModels(read_models_view), Parties(parties_view)
    starts, follow_ups = Starts(starts_view), FollowUps(follow_ups_view)
    scheduler = Scheduler(coordinator, timers, clock, followers=[read_models, parties, starts, follow_ups])
    wakeups = (PostgresWakeups(config.event_store_env(), coordinator.recorder.channel_name) if config.on_postgres
               else Wakeups())
    coordinator.listen(lambda events: wakeups.wake())
    wakeups.subscribe(follower.notify)
    wakeups.subscribe(relay.notify)
    wakeups.subscribe(notifications.notify)
    wakeups.subscribe(scheduler.wake)
    queries = Queries(coordinator, watchers, read_models, [read_models, timers, parties, starts, follow_ups],
                      lambda text: parse_bundle_text(text, catalogue), catalogue, parties, starts=starts,
                      follow_ups=follow_ups)
    return Wiring(coordinator, relay, timers, read_models, parties, scheduler, watchers, follower, queries,
                  projections, wakeups, notifications)


def leases_of(config: Config) -> Leases:
    if config.on_postgres:
        return PostgresLeases(config.event_store_env(), config.amqp_prefix, config.instance)
    return FileLeases(config.data_dir / "leases")


@dataclass
class Running:
    wiring: Wiring
    bus: CommandBus
    consumer: PartitionConsumer
    dead_letters: DeadLetterWatcher
    events: EventConsumer
    notification_bus: CommandBus
    ownership: Ownership
    server: CoordinatorServer
    port: int
    departments: DepartmentPing

    @property
    def coordinator(self) -> Coordinator:
        return self.wiring.coordinator

    def stop(self, grace: float = 2.0) -> None:
        """Graceful: no new calls; the batch of results under way is recorded and acked, the partitions,
        the relay and the projections are given up (another instance takes them at once); then the rest."""
        self.server.stop(grace)
        self.ownership.stop()
        wiring = self.wiring
        for thread in (wiring.scheduler, wiring.relay, wiring.notifications, wiring.follower, self.consumer,
                       self.dead_letters, self.events):
            thread.stop()
            thread.join(timeout=5)
        for bus in (self.bus, self.notification_bus):
            if isinstance(bus, RabbitCommandBus):
                bus.close()
        self.departments.close()
        wiring.close()


def bootstrap(config: Config | None = None, *, bus: CommandBus | None = None, lookups: RegisterLookups | None = None,
              clock: Callable[[], dt.datetime] | None = None, projections: ProjectionStore | None = None,
              leases: Leases | None = None, new_id: NewId = uuid.uuid4) -> Running:
    """The running coordinator: RabbitMQ connected, its share of the work taken, serving gRPC."""
    config = config or Config()
    identity = config.identity
    identity.check(needs_service_token=lookups is None)
    verifier = identity.verifier()  # wall-clock time: never the offset test clock
    if warning := identity.warning():
        log.warning("%s", warning)
    tls = config.tls
    credential = identity.service_credential("coordinator")  # towards the departments' query ports
    topology = Topology(config.amqp_prefix, config.partitions)
    departments = sorted(load_catalogue(config.catalogue_file).departments)
    if bus is None:
        bus = RabbitCommandBus(config.amqp_uri, topology, departments)
        bus.start()
    notification_bus = RabbitNotificationBus(config.amqp_uri, topology, departments)
    notification_bus.start()
    wiring = wire(config, bus=bus, clock=clock, projections=projections, new_id=new_id,
                  lookups=lookups or GrpcLookups(credential), notification_bus=notification_bus)
    coordinator = wiring.coordinator
    consumer = PartitionConsumer(config.amqp_uri, topology, departments, coordinator.record_results,
                                 flag_dead_letter(coordinator.dead_lettered), check=coordinator.check_answer)
    dead_letters = DeadLetterWatcher(config.amqp_uri, topology, departments)
    # Proactive service: the departments' events the bundles' triggers name, each offered once.
    events = EventConsumer(config.amqp_uri, topology, departments,
                           [b.proactive.event.key for b in coordinator.bundles if b.proactive], coordinator.offer,
                           load_catalogue(config.catalogue_file))
    for started in (consumer, dead_letters, events):
        started.start()
        started.ready.wait(timeout=30)

    def apply(roles: Roles) -> None:
        consumer.consume(roles.partitions, wait_s=30)  # given-up partitions settled before their leases go
        wiring.scheduler.assign(roles.projections, roles.partitions)
        wiring.relay.set_active(roles.relay)
        wiring.notifications.set_active(roles.relay)
        metrics.ROLE.labels("relay").set(int(roles.relay))
        metrics.ROLE.labels("projections").set(int(roles.projections))
        log.info("%s: relay %s, projections %s, partitions %s", config.instance, "yes" if roles.relay else "no",
                 "yes" if roles.projections else "no", ",".join(f"{p:02d}" for p in sorted(roles.partitions)) or "none")

    ownership = Ownership(leases or leases_of(config), config.partitions, apply)
    wiring.scheduler.assign(False, ())
    wiring.relay.start()
    wiring.notifications.start()
    wiring.scheduler.start()
    wiring.follower.start()
    wiring.wakeups.start()
    ownership.tick()  # its share of the work before serving
    ownership.start()
    metrics.register_applications(wiring.read_models.view.by_status)
    metrics_port = serve_metrics()
    operations = OperationsServicer(coordinator, wiring.queries, DeadLetterQueue(config.amqp_uri, topology), verifier)
    ping = DepartmentPing(departments, credential)
    server = CoordinatorServer(ApplicationsServicer(coordinator, wiring.queries, verifier), operations,
                               config.grpc_address,
                               readiness(lambda: consumer.connected and dead_letters.connected and events.connected, ping),
                               tls=tls, front_desk=FrontDeskServicer(coordinator, wiring.queries, verifier))
    port = server.start()
    log.info("coordinator %s serving lifeevents.v1.Applications on %s (port %d, %s); bundles: %s; event store: %s%s",
             config.instance, config.grpc_address, port, "TLS" if tls else "plain gRPC, no TLS",
             ", ".join(b.id for b in coordinator.bundles), config.event_store_env()["PERSISTENCE_MODULE"],
             f"; metrics on port {metrics_port}" if metrics_port else "")
    return Running(wiring, bus, consumer, dead_letters, events, notification_bus, ownership, server, port, ping)
