"""`make bench [DURATION=60]`: the suite's throughput and latency against the raw limits of its
broker and event store, measured in one run on this machine; a hop-by-hop profile; the
coordinator's memory with many applications waiting. Prints a table and writes
bench/results/latest.json."""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from deploy.local import AMQP_URI, PrivateSuite
from deploy.sample_forms import MOTHER
from lifeevents.client import ApplicantClient
from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.rabbitmq.publisher import command_message
from saga.config import Config
from saga.domain.ports import Dispatch

from bench import load, memory, raw_limits
from bench.figures import broker_limit, message_rate
from bench.profile import CpuMeter, hops, rabbitmq_pid

RESULTS = Path(__file__).resolve().parent / "results"


def typical_command(address: str, token: str, application_id: str) -> bytes:
    """The serialized size of a real newborn step command: the first step of a real application."""
    with ApplicantClient(address, token) as applicant:
        step = applicant.get(application_id).steps[0]
    dispatch = Dispatch(application_id=application_id, bundle="newborn", step=step.id, command_id="0" * 36,
                        department=step.department, action=step.action,
                        inputs={k: "x" * 12 for k in ("mother_id", "mother_name", "father_id", "father_name",
                                                      "child_name", "child_sex", "birth_date", "birth_hospital")},
                        issued_at=step.dispatched_at.ToDatetime(), due_at=step.due_at.ToDatetime())
    return command_message(dispatch).SerializeToString()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("DURATION") or 60))
    parser.add_argument("--rates", default="25,50", help="fixed offered rates, bundles per second")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients for the maximum")
    parser.add_argument("--waiting", type=int, default=100_000, help="waiting applications for the memory figure")
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",") if r]
    # The duration is shared: a tenth each for the raw broker and store limits, the rest for the loads,
    # half of it for the maximum.
    raw_s = args.duration / 10
    load_s = args.duration - 2 * raw_s
    rate_s = load_s / 2 / max(len(rates), 1)
    started = time.perf_counter()
    config = Config()
    newborn = load_bundles(config.bundles_dir, load_catalogue(config.catalogue_file)).get("newborn")
    messages_per_bundle = 2 * len(newborn.steps)  # a command out and an answer back per step

    results: dict = {"cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
                     "duration_s": args.duration, "event_store": "sqlite", "messages_per_bundle": messages_per_bundle,
                     "steps_per_bundle": len(newborn.steps), "critical_path_steps": newborn.critical_path()}
    with tempfile.TemporaryDirectory() as data_dir, PrivateSuite(Path(data_dir)) as suite:
        address = suite.coordinator_address
        token = suite.tokens.citizen(MOTHER)  # every bundle is a newborn of the demo mother, submitted by her
        warm = load.maximum(address, token, 2, concurrency=4)  # connections, caches, a first command's size
        first = warm["outcome"].completed_ids[0]
        with ApplicantClient(address, token) as applicant:
            results["events_per_bundle"] = applicant.get(first).version
        print(f"raw limits ({raw_s:.0f}s each) ...", flush=True)
        results["broker"] = raw_limits.broker_rates(AMQP_URI, suite.topology, typical_command(address, token, first), raw_s)
        store_dir = tempfile.mkdtemp(dir=data_dir)
        results["store"] = raw_limits.store_rate(Config(data_dir=Path(store_dir), create_schema=True).event_store_env(),
                                                raw_s)

        runs = []
        for rate in rates:
            print(f"offering {rate:g} bundles/s for {rate_s:.0f}s ...", flush=True)
            runs.append(load.fixed_rate(address, token, rate, rate_s))
        meter = CpuMeter({**{name: p.pid for name, p in suite.processes.items()}, "rabbitmq": rabbitmq_pid()})
        print(f"maximum with {args.clients} clients for {load_s / 2:.0f}s ...", flush=True)
        meter.start()
        best = load.maximum(address, token, load_s / 2, concurrency=args.clients)
        results["cpu_ms_per_bundle"] = meter.per_bundle_ms(best["completed"])
        results["hops_ms_median"] = hops(address, token, best["outcome"])
        runs.append(best)
        suite.stop()  # the memory figure is taken with the suite's processes gone, on its settings
        print(f"memory with {args.waiting} waiting applications ...", flush=True)
        results["memory"] = memory.measure(args.waiting, dict(suite.settings))

    broker = results["broker"]
    results["broker_messages_per_s"] = message_rate(broker["publish_per_s"], broker["consume_per_s"])
    results["broker_limit_bundles_per_s"] = broker_limit(broker["publish_per_s"], broker["consume_per_s"],
                                                         messages_per_bundle)
    results["store_events_per_s"] = results["store"]["events_per_s"]
    results["store_limit_bundles_per_s"] = results["store_events_per_s"] / results["events_per_bundle"]
    results["runs"] = [{k: v for k, v in run.items() if k != "outcome"} for run in runs]
    results["throughput_bundles_per_s"] = best["throughput_bundles_per_s"]
    results["ratio_to_broker_limit"] = best["throughput_bundles_per_s"] / results["broker_limit_bundles_per_s"]
    at_rate = [r for r in runs if r["kind"] == "fixed"]
    results["latency_ms"] = (at_rate[-1] if at_rate else best)["latency_ms"]
    results["latency_ms_at_offered_per_s"] = (at_rate[-1] if at_rate else best)["offered_per_s"]
    results["load_avg_1m"] = os.getloadavg()[0]
    results["wall_s"] = time.perf_counter() - started
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print_table(results)


def print_table(r: dict) -> None:
    b = r["broker"]
    print()
    print(f"machine: {r['cores']} cores, load average {r['load_avg_1m']:.1f}; duration {r['duration_s']:g}s; "
          f"bench wall time {r['wall_s']:.0f}s")
    print(f"{'raw broker':32} publish+confirm {b['publish_per_s']:8.0f}/s  consume+ack {b['consume_per_s']:8.0f}/s  "
          f"({b['message_bytes']} B, quorum, persistent)")
    print(f"{'raw event store (sqlite)':32} {r['store_events_per_s']:8.0f} events/s (one event per save)")
    print(f"{'per newborn bundle':32} {r['messages_per_bundle']} messages, {r['events_per_bundle']} events, "
          f"{r['critical_path_steps']} steps on the critical path")
    print(f"{'broker-bound limit':32} {r['broker_limit_bundles_per_s']:8.1f} bundles/s   "
          f"(store-bound {r['store_limit_bundles_per_s']:.1f})")
    print()
    print(f"{'load':22} {'offered/s':>9} {'done/s':>8} {'done':>6} {'failed':>6} {'p50 ms':>8} {'p90 ms':>8} "
          f"{'p99 ms':>8}")
    for run in r["runs"]:
        offered = f"{run['offered_per_s']:g}" if run["offered_per_s"] else "max"
        lat = run["latency_ms"]
        print(f"{run['kind']:22} {offered:>9} {run['throughput_bundles_per_s']:8.1f} {run['completed']:6d} "
              f"{run['failed']:6d} {lat['p50']:8.0f} {lat['p90']:8.0f} {lat['p99']:8.0f}")
    print()
    print(f"throughput {r['throughput_bundles_per_s']:.1f} bundles/s = {r['ratio_to_broker_limit']:.0%} of the "
          f"broker-bound limit")
    print("hops (median ms): " + ", ".join(f"{k} {v}" for k, v in r["hops_ms_median"].items()))
    print("CPU per bundle (ms): " + ", ".join(f"{k} {v}" for k, v in
                                              sorted(r["cpu_ms_per_bundle"].items(), key=lambda kv: -kv[1])))
    m = r["memory"]
    print(f"memory: coordinator RSS {m['rss_mib_serving']} MiB serving / {m['rss_mib_after_5s']} MiB after 5 s with "
          f"{m['waits_in_index']} applications waiting ({m['events']} events); idle {m['idle_rss_mib']} MiB; "
          f"written in {m['populate_s']:.0f}s, indexed in {m['index_s']:.0f}s, serving {m['start_to_serving_s']:.1f}s "
          f"after start")
    print(f"written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
