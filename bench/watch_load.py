"""`make test-load`: 1,000 Watch streams held open while 20 newborn applications a second are
submitted, on a private suite. Prints Submit p50/p99 (and the health check's) while the streams are
open; the target is a Submit p99 under 1 s. Checks that every stream stays open to the end (no
thread is held per stream any more: with one each, 256 watchers stopped Submit) and that every
submitted application completes. Exits 1 if a stream dropped, a call failed or an application did
not complete; the latency is reported, not asserted (the machine may be shared).

The streams watch simplified deregistrations waiting out their 20-day public notice (each of 50
new companies, 20 streams on each); they come from 40 client connections, all as the companies'
legal representative (the example form's; only an application's parties may watch it), so this
suite's per-caller bound (LIFEEVENTS_WATCH_STREAMS_PER_CALLER, 32 by default) is raised to the
number of streams. Every call carries a token of the suite's development key.
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime as dt
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.figures import latency_summary
from deploy.local import LocalTokens, PrivateSuite
from deploy.sample_forms import MOTHER, example_form, new_company_form, newborn_form
from lifeevents.client import ApplicantClient
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc

TERMINAL = (pb.Application.COMPLETED, pb.Application.REJECTED, pb.Application.FAILED)


def waiting_applications(applicant: ApplicantClient, companies: int) -> list[str]:
    """Simplified deregistrations of new companies, each waiting out its notice period."""
    startups = []
    for _ in range(companies):
        form = new_company_form()
        startups.append((form, applicant.submit(form, bundle="startup")))
    waiting = []
    for form, application_id in startups:
        startup = applicant.settle(application_id)
        credit_code = next(s.result["credit_code"] for s in startup.steps if s.id == "business_registration")
        waiting.append(applicant.submit({"credit_code": credit_code, "legal_rep_id": form["legal_rep_id"],
                                         "reason": "business_ended", "commitment.no_debts": "accepted"},
                                        bundle="deregistration_simplified"))
    deadline = time.monotonic() + 60
    for application_id in waiting:
        while not any(s.status == pb.Step.WAITING for s in applicant.get(application_id).steps):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{application_id} never started waiting")
            time.sleep(0.1)
    return waiting


class Watchers:
    """`count` Watch streams over `connections` client connections (grpc.aio, one event loop on a
    thread of its own); each stream counts as open once its first event arrived, until it ends."""

    def __init__(self, address: str, token: str, application_ids: list[str], count: int, connections: int):
        self.address, self.application_ids, self.count, self.connections = address, application_ids, count, connections
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.open = self.ended = self.failed = 0
        self.errors: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="watchers", daemon=True)
        self._tasks: list[asyncio.Task] = []
        self._channels: list[grpc.aio.Channel] = []

    def start(self, timeout: float = 120) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(timeout)

    async def _open(self) -> None:
        # A channel of its own per connection: grpc would otherwise share one connection between them.
        self._channels = [grpc.aio.insecure_channel(self.address, options=[("grpc.use_local_subchannel_pool", 1)])
                          for _ in range(self.connections)]
        stubs = [pb_grpc.ApplicationsStub(channel) for channel in self._channels]
        first_events = []
        for i in range(self.count):
            arrived = asyncio.get_running_loop().create_future()
            first_events.append(arrived)
            request = pb.WatchRequest(application_id=self.application_ids[i % len(self.application_ids)])
            self._tasks.append(asyncio.create_task(self._watch(stubs[i % len(stubs)], request, arrived)))
        await asyncio.gather(*first_events)

    async def _watch(self, stub, request, arrived: asyncio.Future) -> None:
        try:
            async for _ in stub.Watch(request, metadata=self.metadata):
                if not arrived.done():
                    self.open += 1
                    arrived.set_result(True)
            self.ended += 1
        except asyncio.CancelledError:
            pass
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.CANCELLED:
                self.failed += 1
                self.errors.append(f"{err.code().name}: {err.details()}")
        finally:
            if not arrived.done():
                arrived.set_result(False)

    def still_open(self) -> int:
        return self.open - self.ended - self.failed

    def close(self) -> None:
        async def close():
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for channel in self._channels:
                await channel.close()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def submit_at_rate(address: str, token: str, rate: float, seconds: float) -> tuple[list[float], list[str], int]:
    """Newborns offered at `rate` a second for `seconds` (open loop), as the mother the forms name;
    Submit latencies, ids, failures."""
    latencies, ids, failures, lock = [], [], [0], threading.Lock()
    with ApplicantClient(address, token, timeout=30) as applicant:
        def one():
            born = dt.date.today() - dt.timedelta(days=random.randint(1, 330))
            form = newborn_form(birth_date=born.isoformat(), child_sex=random.choice(("male", "female")))
            started = time.perf_counter()
            try:
                application_id = applicant.submit(form)
            except grpc.RpcError:
                with lock:
                    failures[0] += 1
                return
            with lock:
                latencies.append(time.perf_counter() - started)
                ids.append(application_id)

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            started = time.perf_counter()
            for n in range(int(rate * seconds)):
                due = started + n / rate
                time.sleep(max(0.0, due - time.perf_counter()))
                pool.submit(one)
    return latencies, ids, failures[0]


def health_latencies(address: str, stop: threading.Event) -> list[float]:
    seconds = []
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while not stop.wait(0.25):
            started = time.perf_counter()
            stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
            seconds.append(time.perf_counter() - started)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--connections", type=int, default=40)
    args = parser.parse_args(argv)
    with PrivateSuite(Path(tempfile.mkdtemp(prefix="lifeevents-load-")),
                      LIFEEVENTS_WATCH_STREAMS_PER_CALLER=str(args.streams)) as suite:
        print(f"test-load: suite log {suite.log_path}", flush=True)
        tokens = LocalTokens(suite.data_dir)
        legal_rep = tokens.citizen(example_form("startup")["legal_rep_id"])
        with ApplicantClient(suite.coordinator_address, legal_rep, timeout=30) as applicant:
            waiting = waiting_applications(applicant, args.companies)
            print(f"test-load: {len(waiting)} applications waiting out their notice period", flush=True)
            watchers = Watchers(suite.coordinator_address, legal_rep, waiting, args.streams, args.connections)
            watchers.start()
            print(f"test-load: {watchers.open} Watch streams open; submitting {args.rate:g} newborns/s for "
                  f"{args.seconds:g} s", flush=True)
            stop = threading.Event()
            with concurrent.futures.ThreadPoolExecutor(1) as side:
                health = side.submit(health_latencies, suite.coordinator_address, stop)
                latencies, ids, failures = submit_at_rate(suite.coordinator_address, tokens.citizen(MOTHER), args.rate,
                                                          args.seconds)
                stop.set()
                health_seconds = health.result()
            open_at_end = watchers.still_open()
            deadline, unsettled = time.monotonic() + 120, list(ids)
            while unsettled and time.monotonic() < deadline:
                unsettled = [i for i in unsettled if applicant.get(i).status not in TERMINAL]
                time.sleep(0.5)
            completed = sum(1 for i in ids if applicant.get(i).status == pb.Application.COMPLETED)
            watchers.close()
    submit, checks = latency_summary(latencies), latency_summary(health_seconds)
    met = submit["p99"] < 1000
    print(f"test-load: watch_streams={args.streams} open_during_load={open_at_end} submitted={len(ids)} "
          f"at {args.rate:g}/s failed_submits={failures} completed={completed}/{len(ids)} "
          f"submit_ms p50={submit['p50']:.0f} p90={submit['p90']:.0f} p99={submit['p99']:.0f} "
          f"max={submit['max']:.0f} health_ms p99={checks['p99']:.0f} "
          f"target p99<1000ms: {'met' if met else 'MISSED'}", flush=True)
    for error in watchers.errors[:5]:
        print(f"  stream error: {error}")
    failed = open_at_end != args.streams or failures or completed != len(ids) or watchers.failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
