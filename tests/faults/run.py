"""The fault-injection suite (`make test-faults`).

On a private suite (its own data directory, ports and RabbitMQ prefix), with the SQLite event
store, it holds more than 200 applications of mixed bundles in flight (social security is down
while they are submitted, so every one of them waits on it) and meanwhile kills -9 and restarts
every department process and the coordinator, some of them while they are busy, and restarts
RabbitMQ. A few applications are poisoned on purpose (a department fails every delivery of their
command) and a few meet transient faults (the first deliveries fail). Then it checks:

- every application reached the terminal state its form calls for (lost = not terminal, unknown,
  or a completed application whose effect is missing from a register);
- no register holds an effect twice (one birth certificate, household entry, insurance enrolment and
  card per child; one registration per company);
- every stream, replayed by a fresh event-store reader, gives what the API reports;
- the dead-letter queue holds only the poisoned applications' commands.

It prints one summary line and exits 1 if any check fails.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc

from deploy.local import (Applicants, FormApplicant, LocalTokens, delete_topology, private_suite_env,
                          private_topology)
from deploy.sample_forms import newborn_form, unique_child_name
from deploy.rabbit_cluster import RabbitCluster
from deploy.suite import Suite, restart_rabbitmq
from lifeevents.endpoints import DEPARTMENTS
from lifeevents.v1 import applications_pb2 as pb
from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.rabbitmq.dead_letters import DeadLetterQueue
from saga.config import Config
from saga.coordinator import Coordinator
from saga.entrypoints.applications_api import application_message
from services.common.sqlite_register import SqliteRegister
from tests.support.front_desk import FRONT_DESK_BUNDLES, accept
from tests.support.registers import RegisterEffects

TERMINAL = (pb.Application.COMPLETED, pb.Application.REJECTED, pb.Application.FAILED)
OWES_TAX_REP = "11010519881102011X"  # seeded: owes tax, so tax refuses what needs clearance
OWING_COMPANY = "91110105900000022A"
HELD_BACK = "social_security"  # down while the applications are submitted: they all wait on it


@dataclasses.dataclass
class Planned:
    bundle: str
    form: dict
    expected: str
    kind: str  # "normal", "poisoned", "transient", "refused"
    key: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    application_id: str = ""


def plan(newborns: int, startups: int, deregistrations: int, poisoned: int, transient: int,
         refused: int) -> tuple[list[Planned], list[dict]]:
    applications, rules, names = [], [], set()
    for i in range(newborns):
        while (name := unique_child_name()) in names:
            pass
        names.add(name)
        kind = "poisoned" if i < poisoned else "transient" if i < poisoned + transient else "normal"
        applications.append(Planned("newborn", newborn_form(child_name=name),
                                    "FAILED" if kind == "poisoned" else "COMPLETED", kind))
        if kind == "poisoned":
            rules.append({"department": "medical_insurance", "action": "enrol_newborn",
                          "inputs": {"child_name": name}, "error": f"poisoned on purpose ({name})"})
        elif kind == "transient":
            rules.append({"department": "civil_registration", "action": "register_birth",
                          "inputs": {"child_name": name}, "deliveries": 2, "error": "register busy"})
    for i in range(startups):
        form = {"company_name": f"青岛故障注入{uuid.uuid4().int % 10**8:08d}科技有限公司", "company_type": "limited_company",
                "area_code": "370202", "registered_address": "山东省青岛市市南区太平路31号", "registered_capital": "100000",
                "business_scope": "软件开发", "lease_contract_no": "QD-ZL-2026-000001", "legal_rep_id": OWES_TAX_REP if i < refused else "370202199205140022"}
        applications.append(Planned("startup", form, "REJECTED" if i < refused else "COMPLETED",
                                    "refused" if i < refused else "normal"))
    for _ in range(deregistrations):
        applications.append(Planned("deregistration", {"credit_code": OWING_COMPANY, "legal_rep_id": OWES_TAX_REP,
                                                       "reason": "business_ended"}, "REJECTED", "refused"))
    return applications, rules


def submit(applicant: FormApplicant, planned: Planned, timeout: float = 120) -> None:
    """Submit until the coordinator takes it; the idempotency key makes a retry the same application."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            planned.application_id = applicant.submit(planned.form, planned.bundle, idempotency_key=planned.key)
            return
        except grpc.RpcError as err:
            if err.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) or \
                    time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def get(applicant: FormApplicant, application_id: str) -> pb.Application | None:
    for _ in range(50):
        try:
            return applicant.get(application_id)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                return None
            time.sleep(0.2)
    raise RuntimeError(f"the coordinator does not answer Get({application_id})")


class Faults:
    def __init__(self, suite: Suite, log, broker: RabbitCluster | None = None):
        self.suite, self.log, self.broker = suite, log, broker
        self.kills = self.restarts = 0

    def kill(self, name: str) -> None:
        self.suite.kill(name)
        self.kills += 1
        self.log(f"killed -9 {name}")

    def restart(self, name: str, serving: bool = True) -> None:
        self.suite.restart(name, timeout=120, serving=serving)
        self.restarts += 1
        self.log(f"restarted {name}")

    def crash(self, name: str, serving: bool = True) -> None:
        """Kill and restart; `serving` False for the coordinator while a department is held down (its
        health says NOT_SERVING until every department answers, and it serves all the same)."""
        self.kill(name)
        self.restart(name, serving)

    def restart_broker(self) -> None:
        if self.broker is not None:  # the suite's own node: the machine's broker is left alone
            self.broker.restart_node(self.broker.nodes[0])
        else:
            restart_rabbitmq(self.suite.env["LIFEEVENTS_AMQP_URI"])
        self.restarts += 1
        self.log("restarted RabbitMQ")


def duplicated_and_missing(data_dir: Path, applications: list[Planned], outcomes: dict[str, pb.Application]):
    """Effects held twice in a register, and effects a completed application should have left but did not."""
    def records(department, kind):
        register = SqliteRegister(data_dir / f"{department}.sqlite")
        try:
            return register.all(kind)
        finally:
            register.close()

    members = [m for household in records("civil_registration", "household") for m in household["members"]]
    effects = RegisterEffects(records)
    duplicates = effects.duplicates + len(members) - len(set(members))
    missing = [planned.key for planned in applications
               if outcomes[planned.key] is not None and outcomes[planned.key].status == pb.Application.COMPLETED
               and effects.lacks(planned.bundle, planned.form)]
    return duplicates, missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--newborns", type=int, default=150)
    parser.add_argument("--startups", type=int, default=60)
    parser.add_argument("--deregistrations", type=int, default=4)
    parser.add_argument("--poisoned", type=int, default=5)
    parser.add_argument("--transient", type=int, default=15)
    parser.add_argument("--refused", type=int, default=10, help="startups whose legal representative owes tax")
    parser.add_argument("--min-in-flight", type=int, default=200)
    parser.add_argument("--settle-timeout", type=float, default=600)
    parser.add_argument("--no-broker-restart", action="store_true")
    parser.add_argument("--machine-broker", action="store_true",
                        help="use (and restart) the machine's RabbitMQ on 5672 instead of a node of the run's own")
    parser.add_argument("--hold", type=float, default=35,
                        help="seconds social security stays down (beyond 30 s the coordinator re-sends)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    log_line = lambda message: print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)  # noqa: E731
    applications, rules = plan(args.newborns, args.startups, args.deregistrations, args.poisoned, args.transient,
                               args.refused)
    topology = private_topology()
    data_dir = Path(tempfile.mkdtemp(prefix="lifeevents-faults-"))
    env, _ = private_suite_env(topology, data_dir)
    # By default the run starts a RabbitMQ node of its own on private ports (deploy/rabbit_cluster.py) and
    # restarts that one, so other suites using the machine's broker are not cut off.
    broker = None if args.machine_broker else RabbitCluster(data_dir / "rabbitmq", nodes=1, prefix="lifeevents-faults")
    if broker is not None:
        log_line("starting a RabbitMQ node of the run's own")
        broker.start()
        env["LIFEEVENTS_AMQP_URI"] = broker.amqp_uri
    amqp_uri = env["LIFEEVENTS_AMQP_URI"]
    Path(env["LIFEEVENTS_FAULTS_FILE"]).write_text(json.dumps(rules, ensure_ascii=False))
    suite_log = open(data_dir / "suite.log", "w", encoding="utf-8")
    suite = Suite(env, log=suite_log)
    log_line(f"suite log: {data_dir / 'suite.log'}")
    suite.start()
    # Each form is submitted, and followed, by the person it names (the mother, the legal representative).
    applicant = FormApplicant(Applicants(suite.coordinator_address, LocalTokens(data_dir)))
    faults = Faults(suite, log_line, broker)
    try:
        faults.kill(HELD_BACK)
        held_since = time.monotonic()
        # Submit everything from 8 clients; crash two processes while the submissions pour in.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            pending = [pool.submit(submit, applicant, planned) for planned in applications]
            for fraction, victim in ((0.3, "health"), (0.6, "coordinator")):
                while sum(f.done() for f in pending) < fraction * len(pending):
                    time.sleep(0.05)
                faults.crash(victim, serving=False)  # social security is held down meanwhile
            for future in pending:
                future.result()
        log_line(f"{len(applications)} applications submitted")
        desk_token = LocalTokens(data_dir).officer("front_desk", "fd-faults")
        for planned in applications:
            if planned.bundle in FRONT_DESK_BUNDLES:  # 前台受理: accepted before any step starts
                accept(lambda: suite.coordinator_address, desk_token, planned.application_id)
        for department in DEPARTMENTS:
            if department not in (HELD_BACK, "health"):
                faults.crash(department)
        statuses = [get(applicant, planned.application_id) for planned in applications]
        in_flight = sum(1 for a in statuses if a is not None and a.status not in TERMINAL)
        log_line(f"{in_flight} applications in flight")
        # Held back long enough for the coordinator to re-send the unanswered commands (same ids).
        while time.monotonic() - held_since < args.hold:
            time.sleep(0.2)
        if not args.no_broker_restart:
            faults.restart_broker()
        faults.restart(HELD_BACK)
        time.sleep(0.3)
        faults.crash(HELD_BACK)  # again, while it works through the backlog
        time.sleep(0.3)
        faults.crash("coordinator")  # while the results of the backlog pour in
        last_fault = time.monotonic()

        deadline = last_fault + args.settle_timeout
        outcomes: dict[str, pb.Application | None] = {}
        while True:
            outcomes = {p.key: get(applicant, p.application_id) for p in applications}
            unsettled = [k for k, a in outcomes.items() if a is None or a.status not in TERMINAL]
            if not unsettled or time.monotonic() > deadline:
                break
            time.sleep(1)
        settle_s = time.monotonic() - last_fault
        log_line(f"settled in {settle_s:.1f}s" if not unsettled else f"{len(unsettled)} never settled")

        wrong = [p for p in applications
                 if outcomes[p.key] is not None and outcomes[p.key].status in TERMINAL
                 and pb.Application.Status.Name(outcomes[p.key].status) != p.expected]
        for p in wrong[:10]:
            a = outcomes[p.key]
            log_line(f"unexpected: {p.bundle}/{p.kind} {p.application_id} {pb.Application.Status.Name(a.status)} "
                     f"(expected {p.expected}): {list(a.reasons)}")
        duplicates, missing = duplicated_and_missing(data_dir, applications, outcomes)
        resent = sum(1 for a in outcomes.values() if a is not None for step in a.steps if step.sends > 1)
        lost = len(unsettled) + len(missing)

        catalogue = load_catalogue(Config().catalogue_file)
        reader = Coordinator(load_bundles(Config().bundles_dir, catalogue),  # no relay: it sends nothing
                             env=Config(data_dir=data_dir).event_store_env())
        mismatches = [p.key for p in applications if outcomes[p.key] is not None and
                      application_message(reader.get_application(p.application_id)) != outcomes[p.key]]
        reader.close()

        poisoned = {p.application_id for p in applications if p.kind == "poisoned"}
        letters = DeadLetterQueue(amqp_uri, topology).list()
        unexpected_letters = [letter for letter in letters if letter.application_id not in poisoned]
        poisoned_without_letter = poisoned - {letter.application_id for letter in letters}
        for letter in unexpected_letters[:10]:
            log_line(f"unexpected dead letter: {letter}")
    finally:
        applicant.close()
        suite.stop()
        suite_log.close()
        if broker is not None:
            broker.close()
        else:
            delete_topology(topology)

    bundles = collections.Counter(p.bundle for p in applications)
    print(f"test-faults: applications={len(applications)} "
          f"({', '.join(f'{b} {n}' for b, n in bundles.items())}) in_flight={in_flight} kills={faults.kills} "
          f"restarts={faults.restarts} resent_steps={resent} settle_s={settle_s:.1f} duplicates={duplicates} lost={lost} "
          f"wrong_outcomes={len(wrong)} replay_mismatches={len(mismatches)} "
          f"dead_letters={len(letters)} (unexpected {len(unexpected_letters)}, poisoned without one "
          f"{len(poisoned_without_letter)})", flush=True)
    failed = (duplicates or lost or wrong or mismatches or unexpected_letters or poisoned_without_letter
              or in_flight < args.min_in_flight)
    if failed:
        print(f"test-faults FAILED; the suite's log is {data_dir / 'suite.log'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
