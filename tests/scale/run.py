"""The scale proof (`make test-scale`, about five minutes; not part of `make test`).

On this machine, with the real PostgreSQL (a database of its own) and a three-node RabbitMQ cluster
this script starts on its own ports (deploy/rabbit_cluster.py; the machine's broker on 5672 is never
touched): two instances of every department with their registers in PostgreSQL, and one, then two,
then three coordinators on one event store. 16 clients submit applications of all four bundles and
Watch each one to its end, on any coordinator:

1. with 1 coordinator, then 2, then 3, a batch each, in calm: the throughput of each, side by side;
2. then the rest, while two coordinators are killed -9 (the one holding the relay first), one instance
   of every department is killed -9, and one RabbitMQ node is stopped; the time the survivors took to
   take over the relay and the dead instances' partitions is measured from the leases.

Then it checks: every application in the terminal state its form calls for; no register effect
twice; no number issued twice; messages on the wire per application (a copy of every command and
result, from queues of its own) equal to what one instance sends (one command per command event in
the stream, one result per command) — exactly, in the calm phases; every Watch saw every version, in
order. It prints one summary line and exits 1 if a check fails.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import concurrent.futures
import dataclasses
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import grpc
import pika
import psycopg

from deploy.local import Applicants, LocalTokens
from tests.support.front_desk import FRONT_DESK_BUNDLES, accept
from deploy.rabbit_cluster import RabbitCluster
from deploy.sample_forms import newborn_form, unique_child_name
from deploy.suite import Suite, free_port
from lifeevents.client import ApplicantClient
from lifeevents.endpoints import DEPARTMENTS, address_variable, port_variable
from lifeevents.messaging import COMMAND_TYPE, RESULT_TYPE, Topology
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import steps_pb2
from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.leases import lease_holders
from saga.adapters.rabbitmq.topology import declare_topology
from saga.adapters.relay import COMMAND_EVENTS
from saga.config import Config
from saga.coordinator import Coordinator
from saga.domain.application import Application
from services.common.postgres_register import PostgresRegister
from tests.support.registers import RegisterEffects

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TERMINAL = (pb.Application.COMPLETED, pb.Application.REJECTED, pb.Application.FAILED)
RETIRING = "370202196603150134"  # seeded: old enough, with the years: retires (once)
TOO_YOUNG = "34052419800101001X"  # seeded: born 1980, so retirement is refused
OWING_COMPANY, OWES_TAX_REP = "91110105900000022A", "11010519881102011X"  # seeded: tax refuses to clear it
UNIQUE_OUTPUTS = {"birth_certificate_no", "vaccination_record_no", "child_id", "insured_no", "card_no",
                  "medical_insurance_employer_no", "social_insurance_employer_no", "pension_approval_no",
                  "credit_code", "licence_no", "seal_set_no", "taxpayer_no", "housing_fund_account_no",
                  "cancellation_no", "tax_clearance_no"}
PARTITIONS = 16
ENDINGS = (Application.Completed, Application.Rejected, Application.Failed)


@dataclasses.dataclass
class Planned:
    bundle: str
    form: dict
    expected: str
    phase: str = ""
    key: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    application_id: str = ""
    streams: list = dataclasses.field(default_factory=list)  # the versions each Watch saw, in order


def plan(count: int, names: set[str], retiring: bool) -> list[Planned]:
    """A mix of the four bundles: half newborns, three tenths startups, a tenth each retirements and
    deregistrations; one retirement (the first batch's) completes, the others and the deregistrations
    are refused by a department, so compensation runs too."""
    planned = []
    for i in range(count):
        kind = i % 10
        if kind < 5:
            while (name := unique_child_name()) in names:
                pass
            names.add(name)
            # Births spread over two months and both sexes: a day's resident-ID sequence of an area and
            # sex holds about 500 numbers (GB 11643), which 500 births on one day would exhaust.
            born = dt.date.today() - dt.timedelta(days=random.randint(1, 60))
            planned.append(Planned("newborn", newborn_form(child_name=name, birth_date=born.isoformat(),
                                                           child_sex=random.choice(("female", "male"))), "COMPLETED"))
        elif kind < 8:
            planned.append(Planned("startup", {
                "company_name": f"青岛规模测试{uuid.uuid4().int % 10**10:010d}科技有限公司", "company_type": "limited_company",
                "area_code": "370202", "registered_address": "山东省青岛市市南区太平路31号",
                "registered_capital": "100000", "business_scope": "软件开发", "lease_contract_no": "QD-ZL-2026-000001", "legal_rep_id": "370202199205140022"},
                "COMPLETED"))
        elif kind == 8:
            resident = RETIRING if retiring and not any(p.form.get("resident_id") == RETIRING for p in planned) \
                else TOO_YOUNG
            planned.append(Planned("retirement", {"resident_id": resident, "bank_account": "6228480402564890018"},
                                   "COMPLETED" if resident == RETIRING else "REJECTED"))
        else:
            planned.append(Planned("deregistration", {"credit_code": OWING_COMPANY, "legal_rep_id": OWES_TAX_REP,
                                                      "reason": "business_ended"}, "REJECTED"))
    random.shuffle(planned)
    return planned


class Coordinators:
    """The coordinator processes of the run, by name, with their addresses; which ones are alive. An
    application's client is its principal's (the person its form names), with a token of the run's
    development key, on any live coordinator."""

    def __init__(self, suite: Suite, tokens: LocalTokens):
        self.suite, self.tokens, self.addresses, self.alive = suite, tokens, {}, set()
        self._applicants: dict[str, Applicants] = {}
        self._lock = threading.Lock()

    def start(self, name: str) -> None:
        address = f"127.0.0.1:{free_port()}"
        self.suite.start_process(f"coordinator#{name}", {"LIFEEVENTS_GRPC_ADDRESS": address,
                                                         "LIFEEVENTS_INSTANCE": name})
        self.suite.wait_ready((f"coordinator#{name}",), 120)
        with self._lock:
            self.addresses[name] = address
            self._applicants[name] = Applicants(address, self.tokens)
            self.alive.add(name)

    def kill(self, name: str) -> None:
        with self._lock:
            self.alive.discard(name)
        self.suite.kill(f"coordinator#{name}")

    def client(self, planned: Planned) -> tuple[str, ApplicantClient]:
        """A live coordinator's client, as the person the application's form names."""
        with self._lock:
            name = random.choice(sorted(self.alive))
            applicants = self._applicants[name]
        return name, applicants.of_form(planned.bundle, planned.form)

    def close(self) -> None:
        for applicants in self._applicants.values():
            applicants.close()


def submit(coordinators: Coordinators, planned: Planned, timeout: float = 120) -> None:
    """Submit on any live coordinator until one takes it; the idempotency key makes a retry the same one."""
    deadline = time.monotonic() + timeout
    while not planned.application_id:
        try:
            _, client = coordinators.client(planned)
            planned.application_id = client.submit(planned.form, planned.bundle, idempotency_key=planned.key)
            if planned.bundle in FRONT_DESK_BUNDLES:  # 前台受理: accepted before any step starts
                accept(lambda: coordinators.addresses[coordinators.client(planned)[0]],
                       coordinators.tokens.officer("front_desk", "fd-scale"), planned.application_id)
        except grpc.RpcError as err:
            if err.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                  grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def watch(coordinators: Coordinators, planned: Planned, timeout: float = 300) -> None:
    """Watch the application to its end on any live coordinator, again on another if that one dies;
    every stream's versions are kept."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen: list[int] = []
        planned.streams.append(seen)
        try:
            _, client = coordinators.client(planned)
            for event in client.stub.Watch(pb.WatchRequest(application_id=planned.application_id),
                                           metadata=client.metadata, timeout=max(1.0, deadline - time.monotonic())):
                seen.append(event.version)
                if event.type in ("Completed", "Rejected", "Failed"):
                    return
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                break
            time.sleep(0.2)  # that coordinator went away: Watch again on another one
    raise TimeoutError(f"{planned.bundle} {planned.application_id} did not end within {timeout:.0f} s")


def run_clients(coordinators: Coordinators, batch: list[Planned], clients: int, progress=None) -> float:
    """`clients` threads submit the batch, each application then watched to its end by a watcher of its
    own (so a client's pace is the system's, not the watching's); seconds from the first submit to the
    moment the last application settled (its settled_at, as the coordinator recorded it)."""
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(clients) as submitters, \
            concurrent.futures.ThreadPoolExecutor(96) as watchers:
        def submit_then_watch(planned: Planned):
            submit(coordinators, planned)
            return watchers.submit(watch, coordinators, planned)

        submitted = [submitters.submit(submit_then_watch, planned) for planned in batch]
        if progress:
            progress(submitted)
        failures = [f.exception() for f in submitted if f.exception() is not None]
        failures += [f.result().exception() for f in submitted if f.exception() is None and f.result().exception()]
    if failures:
        raise RuntimeError(f"{len(failures)} application(s) failed: {failures[:3]}")
    settled = [coordinators.client(p)[1].get(p.application_id).settled_at.ToDatetime(dt.timezone.utc).timestamp()
               for p in batch]
    return max(settled) - started


def wait_balanced(env: dict, prefix: str, alive: set[str], timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        holders = lease_holders(env, prefix, PARTITIONS)
        owners = collections.Counter(holders.get(f"partition:{p}") for p in range(PARTITIONS))
        if (set(owners) == alive and holders.get("relay") in alive and holders.get("projections") in alive
                and max(owners.values()) - min(owners.values()) <= PARTITIONS // len(alive)):
            return holders
        if time.monotonic() > deadline:
            raise TimeoutError(f"the partitions did not settle on {sorted(alive)}: {dict(owners)}")
        time.sleep(0.1)


def takeover_after_kill(env: dict, prefix: str, coordinators: Coordinators, name: str, log) -> dict[str, float]:
    """Kill -9 a coordinator; seconds until a survivor holds the relay, and until every partition is held."""
    before = lease_holders(env, prefix, PARTITIONS)
    killed = time.monotonic()
    coordinators.kill(name)
    times: dict[str, float] = {}
    while len(times) < 2 and time.monotonic() - killed < 60:
        holders = lease_holders(env, prefix, PARTITIONS)
        if "relay" not in times and holders.get("relay") in coordinators.alive:
            times["relay"] = time.monotonic() - killed
        if "partitions" not in times and all(holders.get(f"partition:{p}") in coordinators.alive
                                              for p in range(PARTITIONS)):
            times["partitions"] = time.monotonic() - killed
        time.sleep(0.02)
    owned = sum(1 for k, v in before.items() if v == name and k.startswith("partition:"))
    log(f"killed -9 coordinator {name} (relay: {before.get('relay') == name}, {owned} partitions): relay held "
        f"again after {times.get('relay', -1):.2f} s, every partition after {times.get('partitions', -1):.2f} s")
    return times


class WireTap:
    """Quorum queues of the run's own that get a copy of every step command and every result."""

    def __init__(self, amqp_uri: str, topology: Topology):
        self.params = [pika.URLParameters(uri) for uri in amqp_uri.split(",")]
        self.topology = topology
        connection = pika.BlockingConnection(self.params)
        channel = connection.channel()
        declare_topology(channel, topology, DEPARTMENTS)
        self.queues = {"commands": f"{topology.prefix}.tap.commands", "results": f"{topology.prefix}.tap.results"}
        for queue in self.queues.values():
            channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        for department in DEPARTMENTS:
            channel.queue_bind(self.queues["commands"], topology.commands_exchange, department)
        for partition in range(topology.partitions):
            channel.queue_bind(self.queues["results"], topology.results_exchange, topology.partition_key(partition))
        connection.close()

    def drain(self) -> dict[str, collections.Counter]:
        """Per application id: how many commands and results went over the wire."""
        counts = {"commands": collections.Counter(), "results": collections.Counter()}
        connection = pika.BlockingConnection(self.params)
        channel = connection.channel()
        for kind, queue in self.queues.items():
            for method, properties, body in channel.consume(queue, inactivity_timeout=2):
                if method is None:
                    break
                if properties.type == COMMAND_TYPE:
                    counts[kind][steps_pb2.StepCommand.FromString(body).application_id] += 1
                elif properties.type == RESULT_TYPE:
                    counts[kind][steps_pb2.StepResult.FromString(body).application_id] += 1
                channel.basic_ack(method.delivery_tag)
            channel.cancel()
        connection.close()
        return counts


def read_streams(config: Config, applications: list[Planned]) -> tuple[dict[str, int], dict[str, int]]:
    """Per application, from its stream: what one instance sends (one command per command event), and
    the version at which it ended (where a Watch ends; a late answer may still be recorded after it)."""
    reader = Coordinator(load_bundles(config.bundles_dir, load_catalogue(config.catalogue_file)),
                         env=config.event_store_env())
    commands, ended = {}, {}
    try:
        for p in applications:
            history = reader.history(p.application_id)
            commands[p.application_id] = sum(isinstance(e, COMMAND_EVENTS) for e in history)
            ended[p.application_id] = next(e.originator_version for e in history if isinstance(e, ENDINGS))
        return commands, ended
    finally:
        reader.close()


def register_checks(database: str, applications: list[Planned], outcomes: dict[str, pb.Application]):
    """Effects held twice in a register; numbers given to two applications; completed applications
    whose effect is missing."""
    def records(department, kind):
        register = PostgresRegister(database, department)
        try:
            return register.all(kind)
        finally:
            register.close()

    effects = RegisterEffects(records)
    duplicates = effects.duplicates
    owners = collections.defaultdict(set)
    for planned in applications:
        for step in outcomes[planned.key].steps:
            for key, value in step.result.items():
                if key in UNIQUE_OUTPUTS:
                    owners[(key, value)].add(planned.key)
    numbers_twice = sum(1 for holders in owners.values() if len(holders) > 1)
    missing = [planned.key for planned in applications
               if outcomes[planned.key].status == pb.Application.COMPLETED and effects.lacks(planned.bundle, planned.form)]
    return duplicates, numbers_twice, missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--calm-batch", type=int, default=150, help="applications in each calm phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--settle-timeout", type=float, default=240)
    args = parser.parse_args(argv)
    started = time.monotonic()
    log = lambda message: print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)  # noqa: E731

    work = Path(tempfile.mkdtemp(prefix="lifeevents-scale-"))
    database = f"lifeevents_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    database_url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    cluster = RabbitCluster(work / "rabbitmq")
    suite = coordinators = None
    try:
        cluster.start()
        log(f"RabbitMQ cluster of {len(cluster.nodes)} nodes on ports {[n.port for n in cluster.nodes]}; "
            f"PostgreSQL database {database}; logs in {work}")
        topology = Topology(f"scale-{uuid.uuid4().hex[:6]}", PARTITIONS)
        tap = WireTap(cluster.amqp_uri, topology)
        ports = {d: (free_port(), free_port()) for d in DEPARTMENTS}
        env = {"LIFEEVENTS_DATA_DIR": str(work / "data"), "LIFEEVENTS_AMQP_URI": cluster.amqp_uri,
               "LIFEEVENTS_AMQP_PREFIX": topology.prefix, "LIFEEVENTS_EVENT_STORE": database_url,
               "LIFEEVENTS_REGISTER_URL": database_url, "LIFEEVENTS_LOAD_SEED": "1",
               "LIFEEVENTS_PARTITIONS": str(PARTITIONS),
               **{address_variable(d): f"127.0.0.1:{a},127.0.0.1:{b}" for d, (a, b) in ports.items()}}
        suite = Suite(env, log=open(work / "suite.log", "w", encoding="utf-8"))
        suite.migrate()
        names = []
        for department, instance_ports in ports.items():
            for n, port in enumerate(instance_ports, 1):
                suite.start_process(f"{department}#{n}", {port_variable(department): str(port)})
                names.append(f"{department}#{n}")
        suite.wait_ready(tuple(names), 180)
        log(f"{len(names)} department instances serving (two of each, registers in PostgreSQL)")
        coordinators = Coordinators(suite, LocalTokens(work / "data"))
        store_env = Config(event_store=database_url).event_store_env()

        child_names: set[str] = set()
        calm = [plan(args.calm_batch, child_names, retiring=(k == 0)) for k in range(3)]
        chaos = plan(args.applications - 3 * args.calm_batch, child_names, retiring=False)
        throughput = {}
        for k, batch in enumerate(calm, 1):
            coordinators.start(f"c{k}")
            wait_balanced(store_env, topology.prefix, set(coordinators.alive))
            for planned in batch:
                planned.phase = f"calm-{k}"
            seconds = run_clients(coordinators, batch, args.clients)
            throughput[k] = len(batch) / seconds
            log(f"{k} coordinator(s): {len(batch)} applications in {seconds:.1f} s = {throughput[k]:.1f}/s")

        for planned in chaos:
            planned.phase = "chaos"
        takeovers: list[dict[str, float]] = []
        faults = {"coordinator kills": 0, "department kills": 0, "rabbitmq nodes stopped": 0}

        def chaos_monkey(futures):
            def when(fraction):
                while sum(f.done() for f in futures) < fraction * len(futures) and not all(f.done() for f in futures):
                    time.sleep(0.05)
            holders = lease_holders(store_env, topology.prefix, PARTITIONS)
            first_victim = holders["relay"]  # the relay holder first
            when(0.1)
            takeovers.append(takeover_after_kill(store_env, topology.prefix, coordinators, first_victim, log))
            faults["coordinator kills"] += 1
            for i, department in enumerate(DEPARTMENTS):
                when(0.15 + 0.05 * i)
                suite.kill(f"{department}#1")
                faults["department kills"] += 1
                log(f"killed -9 {department}#1")
                if i == 3:
                    cluster.stop_node(cluster.nodes[2])
                    faults["rabbitmq nodes stopped"] += 1
                    log(f"stopped RabbitMQ node {cluster.nodes[2].name}")
            when(0.7)
            second_victim = sorted(coordinators.alive)[0]
            takeovers.append(takeover_after_kill(store_env, topology.prefix, coordinators, second_victim, log))
            faults["coordinator kills"] += 1

        seconds = run_clients(coordinators, chaos, args.clients, chaos_monkey)
        log(f"{len(chaos)} applications through the faults in {seconds:.1f} s ({len(chaos) / seconds:.1f}/s); "
            f"{', '.join(f'{v} {k}' for k, v in faults.items())}")

        applications = [p for batch in calm for p in batch] + chaos
        outcomes = {p.key: coordinators.client(p)[1].get(p.application_id) for p in applications}
        wrong = [p for p in applications if pb.Application.Status.Name(outcomes[p.key].status) != p.expected]
        for p in wrong[:10]:
            log(f"unexpected: {p.bundle} {p.application_id} {pb.Application.Status.Name(outcomes[p.key].status)} "
                f"(expected {p.expected}): {list(outcomes[p.key].reasons)}")
        duplicates, numbers_twice, missing = register_checks(database_url, applications, outcomes)
        expected, ended = read_streams(Config(event_store=database_url), applications)
        watch_gaps = [p for p in applications
                      if any(seen != list(range(1, len(seen) + 1)) for seen in p.streams)
                      or p.streams[-1] != list(range(1, ended[p.application_id] + 1))]
        for p in watch_gaps[:5]:
            log(f"a Watch of {p.application_id} saw {p.streams} (the application ended at version "
                f"{ended[p.application_id]})")
        wire = tap.drain()
        calm_ids = [p for p in applications if p.phase != "chaos"]
        extra_calm = sum(abs(wire["commands"][p.application_id] - expected[p.application_id]) +
                         abs(wire["results"][p.application_id] - expected[p.application_id]) for p in calm_ids)
        extra_chaos = sum(wire["commands"][p.application_id] + wire["results"][p.application_id]
                          - 2 * expected[p.application_id] for p in chaos)
        per_app = {phase: (sum(wire["commands"][p.application_id] + wire["results"][p.application_id]
                               for p in applications if p.phase == phase) / sum(1 for p in applications if p.phase == phase),
                           sum(2 * expected[p.application_id] for p in applications if p.phase == phase)
                           / sum(1 for p in applications if p.phase == phase))
                   for phase in ("calm-1", "calm-2", "calm-3", "chaos")}
    finally:
        if coordinators is not None:
            coordinators.close()
        if suite is not None:
            suite.stop()
            suite.log.close()
        cluster.close()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    bundles = collections.Counter(p.bundle for p in applications)
    relay_s = max(t.get("relay", 99) for t in takeovers)
    partitions_s = max(t.get("partitions", 99) for t in takeovers)
    print(f"test-scale: applications={len(applications)} ({', '.join(f'{b} {n}' for b, n in bundles.items())}) "
          f"clients={args.clients} wrong_outcomes={len(wrong)} lost={len(missing)} duplicated_effects={duplicates} "
          f"duplicated_numbers={numbers_twice} "
          f"wire_per_application={per_app['calm-1'][0]:.2f}/{per_app['calm-2'][0]:.2f}/{per_app['calm-3'][0]:.2f} "
          f"with 1/2/3 coordinators (one instance's: {per_app['calm-1'][1]:.2f}/{per_app['calm-2'][1]:.2f}/"
          f"{per_app['calm-3'][1]:.2f}; extra in calm {extra_calm}, under faults {extra_chaos}) "
          f"watch_gaps={len(watch_gaps)} "
          f"throughput={throughput[1]:.1f}/{throughput[2]:.1f}/{throughput[3]:.1f} per s with 1/2/3 coordinators "
          f"takeover: relay<={relay_s:.2f}s partitions<={partitions_s:.2f}s "
          f"faults: {faults['coordinator kills']} coordinators and {faults['department kills']} department instances "
          f"killed -9, {faults['rabbitmq nodes stopped']} RabbitMQ node stopped", flush=True)
    failed = wrong or missing or duplicates or numbers_twice or extra_calm or watch_gaps or relay_s > 10
    if failed:
        print(f"test-scale FAILED; the suite's log was in {work}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
