"""Submit-to-completed time of business startups decided automatically (秒批) and by an officer (后台审批),
measured from the client side, with the officer acting from this script.

Starts its own suite (private data dir, ports and RabbitMQ prefix) unless --address points at a
running one. Each round submits one startup with a plain name (the registration decided at once by
market regulation's rules) and one whose name holds 国际 (an officer decides): a scripted officer of
market regulation polls the department's worklist (Cases.List every 50 ms), claims the case as soon
as it appears and approves it. Both are watched to COMPLETED; prints the median and p90 of each path,
and of the officer's share (from submission to the approval's answer).
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
from deploy.sample_forms import MOTHER, new_company_form
from lifeevents.client import ApplicantClient
from lifeevents.endpoints import grpc_address
from lifeevents.officers import OfficerClient
from lifeevents.v1 import applications_pb2 as pb

OFFICER = "mr-bench-01"


def restricted(form: dict) -> dict:
    """The same form, the company's name holding a word only an officer may allow."""
    return {**form, "company_name": form["company_name"].replace("青岛", "青岛国际", 1)}


def completed(applicant: ApplicantClient, application_id: str, started: float) -> float:
    events = applicant.watch(application_id, timeout=120)
    if events[-1].status != pb.Application.COMPLETED:
        sys.exit(f"application {application_id} ended {pb.Application.Status.Name(events[-1].status)}")
    return (time.perf_counter() - started) * 1000


def measure(address: str, tokens: LocalTokens, officer_address: str, rounds: int) -> dict[str, list[float]]:
    applicant = ApplicantClient(address, tokens.citizen(MOTHER))  # the legal representative the forms name
    officer = OfficerClient("market_regulation", tokens.officer("market_regulation", OFFICER), officer_address)
    timings: dict[str, list[float]] = {"automatic": [], "officer": [], "officer_share": []}
    for round_ in range(rounds + 1):  # the first round warms connections and caches up
        started = time.perf_counter()
        automatic = completed(applicant, applicant.submit(new_company_form(), bundle="startup"), started)
        started = time.perf_counter()
        application_id = applicant.submit(restricted(new_company_form()), bundle="startup")
        case = officer.case_of(application_id, "business_registration", timeout=60, interval=0.05)
        officer.claim(case.case_id)
        officer.approve(case.case_id)
        decided = (time.perf_counter() - started) * 1000
        by_officer = completed(applicant, application_id, started)
        if round_:
            timings["automatic"].append(automatic)
            timings["officer"].append(by_officer)
            timings["officer_share"].append(decided)
    applicant.close()
    officer.close()
    return timings


def summary(values: list[float]) -> str:
    p90 = statistics.quantiles(values, n=10)[8] if len(values) > 1 else values[0]
    return f"median {statistics.median(values):.1f} ms, p90 {p90:.1f} ms (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--rounds", type=int, default=20)
    parser.add_argument("--address", help="a running coordinator; default: start a private suite")
    args = parser.parse_args()
    if args.address:
        tokens = LocalTokens(Path(os.environ.get("LIFEEVENTS_DATA_DIR") or "var"))  # the running suite's key
        timings = measure(args.address, tokens, grpc_address("market_regulation"), args.rounds)
    else:
        with tempfile.TemporaryDirectory() as data_dir, PrivateSuite(Path(data_dir)) as suite:
            timings = measure(suite.coordinator_address, suite.tokens,
                              suite.department_addresses["market_regulation"], args.rounds)
    print(f"startup submit-to-completed, automatic registration (秒批): {summary(timings['automatic'])}")
    print(f"startup submit-to-completed, an officer approving from a script (后台审批): {summary(timings['officer'])}")
    print(f"  of which submit to the officer's approval answered: {summary(timings['officer_share'])}")


if __name__ == "__main__":
    main()
