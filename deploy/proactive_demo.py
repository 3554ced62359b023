"""`make demo BUNDLE=<bundle> PROACTIVE=1`: the proactive path against a running suite (`make run`).
The department's event happens (a hospital records a birth with its own token; social security runs
its retirement scan as an operator), the offer appears among the person's applications with what is
already known, the person confirms it with what is still asked (bundles/examples/proactive/<bundle>.json;
a child gets a name nobody used), and the timeline is printed until it ends, then what the person was
told (the notifier's file in the data directory). Tokens come from the local suite's development
identity provider (`LIFEEVENTS_DATA_DIR`, default ./var)."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import grpc

from deploy.demo import describe
from deploy.sample_forms import unique_child_name
from lifeevents.client import ApplicantClient, bad_request_fields
from lifeevents.departments.v1 import health_pb2, health_pb2_grpc, social_security_pb2, social_security_pb2_grpc
from lifeevents.endpoints import grpc_address
from lifeevents.identity import DevIdentityProvider, Role
from lifeevents.privacy import mask_text
from lifeevents.v1 import applications_pb2 as pb
from services.notifier.delivery import FileDelivery

EXAMPLES = Path(__file__).resolve().parent.parent / "bundles" / "examples" / "proactive"
HOSPITAL = "H-370202-0001"  # 青岛市妇女儿童医院, as the development identity provider names it


def record_birth(provider: DevIdentityProvider, event: dict) -> str:
    """A hospital records a birth an hour ago; the id of the event it is published as."""
    request = health_pb2.RecordBirthRequest(mother_id=event["mother_id"], sex=event["sex"], hospital=event["hospital"],
                                            birth_weight_grams=event["birth_weight_grams"])
    request.born_at.FromDatetime(dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    with grpc.insecure_channel(grpc_address("health")) as connection:
        record = health_pb2_grpc.HealthRegisterStub(connection).RecordBirth(
            request, metadata=(("authorization", f"Bearer {provider.issue(HOSPITAL, Role.HOSPITAL)}"),), timeout=10)
    print(f"hospital {HOSPITAL} recorded birth {record.number} ({record.birth_date} {record.birth_time}, {record.sex}, "
          f"{record.birth_weight_grams} g); health publishes it as birth_recorded {record.event_id}")
    return record.event_id


def scan_retirements(provider: DevIdentityProvider, event: dict) -> str:
    with grpc.insecure_channel(grpc_address("social_security")) as connection:
        scanned = social_security_pb2_grpc.SocialSecurityRegisterStub(connection).ScanRetirements(
            social_security_pb2.ScanRetirementsRequest(),
            metadata=(("authorization", f"Bearer {provider.issue('operator', Role.OPERATOR)}"),), timeout=10)
    print(f"social security's retirement scan as of {scanned.as_of}: reaching the statutory age by {scanned.until}, "
          f"{scanned.published} new event(s), {scanned.already} told before")
    return ""


EVENTS = {"newborn": record_birth, "retirement": scan_retirements}


def find_offer(person: ApplicantClient, bundle: str, event_id: str, timeout: float = 30) -> pb.Application | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for summary in person.mine(page_size=100).applications:
            if summary.bundle != bundle:
                continue
            application = person.get(summary.application_id)
            if application.HasField("offer") and (application.offer.event_id == event_id or not event_id):
                return application
        time.sleep(0.2)
    return None


def main(bundle: str, address: str) -> int:
    if bundle not in EVENTS:
        print(f"no proactive demo for {bundle}; there is one for {', '.join(EVENTS)}", file=sys.stderr)
        return 2
    example = json.loads((EXAMPLES / f"{bundle}.json").read_text(encoding="utf-8"))
    data_dir = Path(os.environ.get("LIFEEVENTS_DATA_DIR") or "var")
    provider = DevIdentityProvider(data_dir / "identity")
    started = time.monotonic()
    event_id = EVENTS[bundle](provider, example.get("event", {}))
    principal = example["principal"]
    with ApplicantClient(address, provider.issue(principal, Role.CITIZEN)) as person:
        offer = find_offer(person, bundle, event_id)
        if offer is None:
            print(f"no {bundle} offer reached {mask_text(principal)} (is `make run` up?)", file=sys.stderr)
            return 1
        print(f"offer {offer.application_id} ({pb.Application.Status.Name(offer.status)}) in their applications, "
              f"{time.monotonic() - started:.2f} s after the event; to confirm by {offer.offer.expires_at.ToJsonString()}")
        for item in offer.offer.known:
            print(f"  known  {item.field:<18} {mask_text(item.value):<40} from {item.kind} {item.source}")
        if offer.status != pb.Application.OFFERED:
            print(f"the offer is {pb.Application.Status.Name(offer.status)} already (a demo runs once per person; "
                  f"a fresh ./var starts again)")
            return 0 if offer.status == pb.Application.COMPLETED else 2
        typed = {name: value for name, value in example["confirm"].items()}
        if "child_name" in offer.offer.asked:
            typed["child_name"] = unique_child_name()
        print(f"  asked  {', '.join(offer.offer.asked)}; typed: {', '.join(typed)}")
        try:
            person.confirm(offer.application_id, typed)
        except grpc.RpcError as err:
            print(f"confirm refused: {err.code().name}: {bad_request_fields(err) or err.details()}", file=sys.stderr)
            return 1
        print("confirmed; timeline:")
        for event in person.stub.Watch(pb.WatchRequest(application_id=offer.application_id), metadata=person.metadata,
                                       timeout=120):
            print("  " + describe(event), flush=True)
        application = person.get(offer.application_id)
    elapsed = time.monotonic() - started
    print(f"status: {pb.Application.Status.Name(application.status)}; {application.offer.typed} field(s) typed; "
          f"{elapsed:.2f} s from the event to the last result")
    for step in application.steps:
        outcome = ", ".join(f"{k}={mask_text(v)}" for k, v in sorted(step.result.items())) or step.reason
        print(f"  {step.id:<26} {step.department:<18} {pb.Step.Status.Name(step.status):<11} {outcome}")
    time.sleep(1)  # the notifier writes what it delivers a moment later
    told = [n for n in FileDelivery(data_dir / "notifications").read(principal)
            if n["application_id"] == application.application_id]
    print(f"notifications to {mask_text(principal)}:" if told else "no notification delivered yet (is the notifier up?)")
    for notification in told:
        print(f"  {notification['kind']:<13} {notification['title']}  {notification['body']}")
    return 0 if application.status == pb.Application.COMPLETED else 2
