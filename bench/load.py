"""Newborn applications offered to a running suite from concurrent gRPC clients: at fixed rates
(open loop: a submission is due every 1/rate seconds whether or not earlier ones are done) and at
the maximum (closed loop: each client submits its next as soon as its last completes). Latency is
from the start of Submit to the end of the Watch stream, as the applicant sees it."""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import random
import threading
import time
from dataclasses import dataclass, field

from deploy.sample_forms import newborn_form
from lifeevents.client import ApplicantClient
from lifeevents.v1 import applications_pb2 as pb

from bench.figures import latency_summary


def varied_newborn_form() -> dict:
    """A valid newborn form; birth dates and sexes vary, as the civil register numbers at most
    500 children of one sex per area and birth date."""
    born = dt.date.today() - dt.timedelta(days=random.randint(1, 330))
    return newborn_form(birth_date=born.isoformat(), child_sex=random.choice(("male", "female")))


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    submit_seconds: list[float] = field(default_factory=list)
    completed_ids: list[str] = field(default_factory=list)
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, application_id: str, seconds: float, status: int, submit_seconds: float = 0.0) -> None:
        with self.lock:
            if status == pb.Application.COMPLETED:
                self.latencies.append(seconds)
                self.submit_seconds.append(submit_seconds)
                self.completed_ids.append(application_id)
            else:
                self.failed += 1


def _one(applicant: ApplicantClient, outcome: Outcome) -> None:
    started = time.perf_counter()
    try:
        application_id = applicant.submit(varied_newborn_form())
        submitted = time.perf_counter()
        events = applicant.watch(application_id, timeout=120)
        outcome.record(application_id, time.perf_counter() - started, events[-1].status, submitted - started)
    except Exception:
        outcome.record("", 0.0, -1)


def _report(kind: str, offered: float | None, outcome: Outcome, elapsed: float) -> dict:
    return {"outcome": outcome, "kind": kind, "offered_per_s": offered, "completed": len(outcome.latencies), "failed": outcome.failed,
            "seconds": elapsed, "throughput_bundles_per_s": len(outcome.latencies) / elapsed,
            "latency_ms": latency_summary(outcome.latencies)}


def fixed_rate(address: str, token: str, rate: float, seconds: float, channels: int = 8) -> dict:
    """Offer `rate` bundles per second for `seconds`; wait for every one to finish."""
    clients = [ApplicantClient(address, token) for _ in range(channels)]
    outcome = Outcome()
    count = int(rate * seconds)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max(32, int(rate * 4))) as pool:
        for i in range(count):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(_one, clients[i % channels], outcome)
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return _report("fixed", rate, outcome, elapsed)


def maximum(address: str, token: str, seconds: float, concurrency: int = 16) -> dict:
    """As many bundles as `concurrency` clients complete in `seconds`, each one after another."""
    clients = [ApplicantClient(address, token) for _ in range(concurrency)]
    outcome = Outcome()
    deadline = time.perf_counter() + seconds

    def client_loop(client: ApplicantClient) -> None:
        while time.perf_counter() < deadline:
            _one(client, outcome)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client_loop, clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return _report("maximum", None, outcome, elapsed)
