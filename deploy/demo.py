"""`make demo`: submit an example form and print the application's timeline as it happens, as the
person the form names as its principal (the mother, the person retiring, the legal representative),
with a token of the local suite's development identity provider (`LIFEEVENTS_DATA_DIR`, default
./var), as `lifeevents token --as <resident ID>` makes one.

`make demo BUNDLE=retirement OFFICER=1` (or startup) submits the officer's path instead
(bundles/examples/officer/): when the step goes to an officer (WITH_OFFICER), an officer of its
department approves it with the command line (`lifeevents officer queue`, then `approve`), and the
timeline goes on to COMPLETED."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import struct_pb2

from lifeevents.client import channel
from lifeevents.identity import DevIdentityProvider, Role
from lifeevents.officers import OfficerClient
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import applications_pb2_grpc as pb_grpc


def describe(event: pb.ApplicationEvent) -> str:
    when = event.occurred_at.ToDatetime().strftime("%H:%M:%S.%f")[:-3]
    what = event.type
    if event.step:
        what += f"  {event.step} ({event.department})"
    if event.result:
        what += "  " + ", ".join(f"{k}={v}" for k, v in sorted(event.result.items()))
    if event.reason:
        what += f"  reason: {event.reason}"
    return f"{when}  #{event.version:<3} {what}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("form", help="a JSON file holding the form's values")
    parser.add_argument("--bundle", default="newborn")
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--officer", action="store_true",
                        help="approve the step that goes to an officer, with `lifeevents officer`")
    parser.add_argument("--proactive", action="store_true",
                        help="the department's event offers the bundle and its person confirms it (deploy/proactive_demo.py)")
    args = parser.parse_args()
    if args.proactive:
        from deploy.proactive_demo import main as proactive
        return proactive(args.bundle, args.address)
    with open(args.form, encoding="utf-8") as f:
        values = json.load(f)
    form = struct_pb2.Struct()
    form.update(values)
    with channel(args.address) as connection:
        stub = pb_grpc.ApplicationsStub(connection)
        principals = stub.GetForm(pb.GetFormRequest(bundle=args.bundle), timeout=10).principals
        person = next(values[name] for name in principals if values.get(name))
        provider = DevIdentityProvider(data_dir() / "identity")
        call = dict(metadata=(("authorization", f"Bearer {provider.issue(person, Role.CITIZEN)}"),))
        try:
            submitted = stub.Submit(pb.SubmitRequest(bundle=args.bundle, form=form), timeout=10, **call)
        except grpc.RpcError as err:
            print(f"submit refused: {err.code().name}: {err.details()}", file=sys.stderr)
            return 1
        print(f"application {submitted.application_id} ({args.bundle}) submitted by its principal "
              f"{person[:6]}********{person[-4:]}; timeline:")
        for event in stub.Watch(pb.WatchRequest(application_id=submitted.application_id), timeout=120, **call):
            print("  " + describe(event), flush=True)
            if event.type == "AcceptanceAwaited":  # 前台受理: a front-desk officer accepts it first
                accept_at_the_front_desk(submitted.application_id, args.bundle, args.address)
            if args.officer and event.type == "StepWithOfficer" and "officer" not in event.result:
                approve_as_an_officer(provider, submitted.application_id, event.step, event.department)
            if event.type == "WaitStarted":
                print(f"  the application now waits until {event.result['until']} (durably: restarts do not "
                      f"lose it); objections go to Applications/Object. The demo stops watching here.")
                break
        application = stub.Get(pb.GetRequest(application_id=submitted.application_id), timeout=10, **call)
    print(f"status: {pb.Application.Status.Name(application.status)}")
    for step in application.steps:
        outcome = ", ".join(f"{k}={v}" for k, v in sorted(step.result.items())) or step.reason
        print(f"  {step.id:<26} {step.department:<18} {pb.Step.Status.Name(step.status):<11} {outcome}")
    return 0 if application.status in (pb.Application.COMPLETED, pb.Application.IN_PROGRESS) else 2


def data_dir() -> Path:
    return Path(os.environ.get("LIFEEVENTS_DATA_DIR") or "var")


OFFICER = "demo-officer-01"


def approve_as_an_officer(provider: DevIdentityProvider, application_id: str, step: str, department: str) -> None:
    """An officer of the department looks at the worklist and approves the case, with the command line."""
    with OfficerClient(department, provider.issue(OFFICER, Role.OFFICER, department=department)) as officer:
        case = officer.case_of(application_id, step)
    for command in (["queue"], ["approve", case.case_id]):
        argv = [sys.executable, "-m", "lifeevents.cli", "officer", *command, "--department", department,
                "--as", OFFICER]
        print(f"\n  $ lifeevents officer {' '.join(command)} --department {department} --as {OFFICER}", flush=True)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        print("\n".join("    " + line for line in (done.stdout + done.stderr).splitlines()) + "\n", flush=True)
        if done.returncode:
            raise SystemExit(f"lifeevents officer {command[0]} failed")


FRONT_DESK_OFFICER = "demo-front-desk-01"


def accept_at_the_front_desk(application_id: str, bundle: str, address: str) -> None:
    """An officer of the front desk looks at the queue and accepts the application, with the command line."""
    for command in (["queue", "--bundle", bundle], ["accept", application_id]):
        argv = [sys.executable, "-m", "lifeevents.cli", "--address", address, "frontdesk", *command,
                "--as", FRONT_DESK_OFFICER]
        print(f"\n  $ lifeevents frontdesk {' '.join(command)} --as {FRONT_DESK_OFFICER}", flush=True)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        print("\n".join("    " + line for line in (done.stdout + done.stderr).splitlines()) + "\n", flush=True)
        if done.returncode:
            raise SystemExit(f"lifeevents frontdesk {command[0]} failed")


if __name__ == "__main__":
    sys.exit(main())
