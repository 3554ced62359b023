"""The coordinator's resident memory with many applications waiting out a 20-day notice period.

The applications are written straight into a fresh SQLite event store through the coordinator's
own domain (simplified deregistrations whose public notice is answered, so their notice period
has started), with the outbox position and the timer index brought up to date, as a coordinator
that had run them would have left them. Then a real coordinator process starts on that store and
its VmRSS is read once it serves; an idle coordinator on an empty store is the comparison.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc
from eventsourcing.persistence import Tracking
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deploy.suite import ROOT, free_port
from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.projection_store import projections_datastore
from saga.adapters.relay import CommandRelay
from saga.adapters.timers import WAIT, TimerIndex, TimerView
from saga.bootstrap import create_views
from saga.config import Config
from saga.coordinator import Coordinator
from saga.domain.application import Application
from saga.domain.ports import CommandBus

FORM = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354", "reason": "business_ended",
        "company_name": "西宁示例商贸有限公司", "legal_rep_name": "马建华", "registered_address": "青海省西宁市城东区"}


class DroppingBus(CommandBus):
    def send(self, dispatches) -> None:
        pass


def populate(data_dir: Path, count: int, batch: int = 1000) -> dict:
    """Write `count` waiting applications; return how long it took and how many events."""
    config = Config(data_dir=data_dir, create_schema=True)  # a fresh store of its own
    bundles = load_bundles(config.bundles_dir, load_catalogue(config.catalogue_file))
    bundle = bundles.get("deregistration_simplified")
    # No relay (written as history: nothing to send now), no cache (written once).
    coordinator = Coordinator(bundles, env={**config.event_store_env(), "AGGREGATE_CACHE_MAXSIZE": ""})
    started = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    for first in range(0, count, batch):
        applications = []
        for _ in range(min(batch, count - first)):
            application = Application.submit(bundle, FORM, now, uuid.uuid4(), principals=[FORM["legal_rep_id"]])
            application.advance(now, uuid.uuid4)
            [notice] = [step for step in application.steps.values() if step.status == "DISPATCHED"]
            application.record_result(notice.id, notice.command_id, True, {"notice_no": "N1"}, "", now)
            application.advance(now, uuid.uuid4)
            applications.append(application)
        coordinator.save(*applications)
    written_s = time.perf_counter() - started
    last = coordinator.recorder.max_notification_id()
    projections = projections_datastore(config.projections_file)
    create_views(projections, config)
    projections.advance(Tracking(CommandRelay.name_of_position, last))
    index = TimerIndex(TimerView(projections))
    index.follow(coordinator.recorder, coordinator.mapper, batch=5000)
    waiting = index.view.count(WAIT)
    projections.close()
    coordinator.close()
    return {"applications": count, "events": last, "populate_s": written_s,
            "index_s": time.perf_counter() - started - written_s, "waits_in_index": waiting}


def rss_of_coordinator(data_dir: Path, env: dict, timeout: float = 300) -> dict:
    """Start a coordinator on the data dir; its VmRSS once it serves, and a few seconds later."""
    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen([sys.executable, "-m", "saga"], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               env={**env, "LIFEEVENTS_DATA_DIR": str(data_dir), "LIFEEVENTS_GRPC_ADDRESS": address,
                                    "LIFEEVENTS_EVENT_STORE": "sqlite", "PYTHONPATH": str(ROOT),
                                    "LIFEEVENTS_CREATE_SCHEMA": "1"})
    started = time.perf_counter()
    try:
        with grpc.insecure_channel(address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                try:
                    if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
                        break
                except grpc.RpcError:
                    pass
                if process.poll() is not None or time.perf_counter() - started > timeout:
                    raise RuntimeError("the coordinator did not start on the populated store")
                time.sleep(0.2)
        serving_s = time.perf_counter() - started
        at_start = _rss_mib(process.pid)
        time.sleep(5)
        return {"start_to_serving_s": serving_s, "rss_mib_serving": at_start, "rss_mib_after_5s": _rss_mib(process.pid)}
    finally:
        process.terminate()
        process.wait(10)


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def measure(count: int, env: dict) -> dict:
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        idle = rss_of_coordinator(Path(empty), env)
        written = populate(Path(full), count)
        loaded = rss_of_coordinator(Path(full), env)
    return {**written, "idle_rss_mib": idle["rss_mib_after_5s"], **loaded}
