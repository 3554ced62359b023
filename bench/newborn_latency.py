"""Submit-to-completed time of newborn applications, measured from the client side.

Starts its own suite (private data dir, ports and RabbitMQ prefix) unless --address points at a
running one, submits N applications one after another, and prints the distribution.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from deploy.local import LocalTokens, PrivateSuite
from deploy.sample_forms import MOTHER, newborn_form
from lifeevents.client import ApplicantClient
from lifeevents.v1 import applications_pb2 as pb


def measure(address: str, token: str, count: int) -> list[float]:
    applicant = ApplicantClient(address, token)  # as the mother the forms name
    applicant.settle(applicant.submit(newborn_form()))  # warm-up: connections, caches
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        application_id = applicant.submit(newborn_form())
        events = applicant.watch(application_id)
        timings.append((time.perf_counter() - started) * 1000)
        if events[-1].status != pb.Application.COMPLETED:
            sys.exit(f"application {application_id} ended {pb.Application.Status.Name(events[-1].status)}")
    applicant.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=20)
    parser.add_argument("--address", help="a running coordinator; default: start a private suite")
    args = parser.parse_args()
    if args.address:
        tokens = LocalTokens(Path(os.environ.get("LIFEEVENTS_DATA_DIR") or "var"))  # the running suite's key
        timings = measure(args.address, tokens.citizen(MOTHER), args.count)
    else:
        with tempfile.TemporaryDirectory() as data_dir, PrivateSuite(Path(data_dir)) as suite:
            timings = measure(suite.coordinator_address, suite.tokens.citizen(MOTHER), args.count)
    quantiles = statistics.quantiles(timings, n=10)
    print(f"newborn submit-to-completed over {len(timings)} applications (5 steps, 4 departments, sequential): "
          f"median {statistics.median(timings):.1f} ms, p90 {quantiles[8]:.1f} ms, "
          f"min {min(timings):.1f} ms, max {max(timings):.1f} ms")


if __name__ == "__main__":
    main()
