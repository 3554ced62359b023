"""Steps of the proactive service: a hospital records a birth (health's RecordBirth, with a hospital's
token), social security runs its retirement scan (as an operator), the people the offers are made to
find them in ListMine, confirm them and hear about them (the notifier's files). State passes as
`birth` (what the hospital recorded, the person and their client), `offer` (the application as first
found) and `confirmed` (as it ended)."""
from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from deploy.sample_forms import unique_child_name
from lifeevents.client import bad_request_fields
from lifeevents.departments.v1 import health_pb2
from lifeevents.v1 import applications_pb2 as pb
from lifeevents.v1 import events_pb2
from tests.support.applications import step
from tests.support.broker import publish_event
from tests.support.clients import Register
from tests.support.controls import Notifications, stored_submissions
from tests.support.polling import eventually

PHONE = "13805320001"


@pytest.fixture
def hospital(running_suite, tokens):
    """Health's API as a hospital calls it (role hospital)."""
    with grpc.insecure_channel(running_suite.department_addresses["health"]) as channel:
        yield Register("health", channel, tokens.hospital())


@pytest.fixture
def notifications(running_suite) -> Notifications:
    return Notifications(running_suite.data_dir)


def offers_of(client, event_id: str = "") -> list[pb.Application]:
    """The person's applications that are offers (of that event, if given), as Get answers them."""
    found = [client.get(a.application_id) for a in client.mine(page_size=100).applications]
    return [a for a in found if a.HasField("offer") and (not event_id or a.offer.event_id == event_id)]


def the_offer(client, event_id: str) -> pb.Application:
    def found() -> pb.Application:
        offers = offers_of(client, event_id)
        assert offers, f"no offer of event {event_id} yet"
        return offers[0]
    return eventually(found, timeout=30)


def record_birth(hospital, mother_id: str, sex: str) -> health_pb2.BirthRecord:
    request = dict(mother_id=mother_id, sex=sex, hospital="青岛市妇女儿童医院", birth_weight_grams=3250)
    message = health_pb2.RecordBirthRequest(**request)
    # A moment no other scenario uses: each is another birth (the same mother and moment is the same one).
    message.born_at.FromDatetime(dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=random.randint(60, 600),
                                                                              seconds=random.randint(0, 59)))
    return hospital.stub.RecordBirth(message, metadata=hospital.metadata, timeout=10), message


# -- a birth ----------------------------------------------------------------------------------------
@given(parsers.parse("a hospital records the birth of a {child} to {name}, {mother_id}"), target_fixture="birth")
def a_birth(hospital, applicants, child, name, mother_id):
    record, request = record_birth(hospital, mother_id, {"girl": "female", "boy": "male"}[child])
    assert (record.mother_id, record.sex, record.event_id) == (mother_id, request.sex, record.event_id)
    return {"record": record, "request": request, "client": applicants.citizen(mother_id), "subject": mother_id,
            "name": name}


@given("the health department's event relay is held by a fault rule")
def relay_held(fault_rules):
    fault_rules.add(department="health", relay="hold", type="birth_recorded")


@given("she has the offer of that birth", target_fixture="offer")
@when("she looks at her applications", target_fixture="offer")
@then("she has the offer of that birth", target_fixture="offer")
def her_offer(birth):
    return the_offer(birth["client"], birth["record"].event_id)


@then(parsers.parse("she finds the newborn bundle OFFERED, asked only for {first} and {second}"))
def offered_asking(offer, first, second):
    assert (offer.bundle, offer.status) == ("newborn", pb.Application.OFFERED)
    assert list(offer.offer.asked) == [first, second]
    assert offer.offer.trigger == "health.birth_recorded" and offer.offer.expires_at.ToDatetime() > dt.datetime.now()
    assert all(s.status == pb.Step.PENDING for s in offer.steps), "nothing is sent before she confirms"


@then("what is known came from the hospital's record and the civil register:")
def known_items(offer, birth, datatable):
    header, *rows = datatable
    known = {item.field: item for item in offer.offer.known}
    assert set(known) == {row[0] for row in rows}
    for field, kind, source in rows:
        assert (known[field].kind, known[field].source) == (kind, source), field
    assert known["birth_date"].value == birth["record"].birth_date
    assert (known["mother_name"].value, known["father_name"].value) == (birth["name"], "王建国")


@when("she confirms it with the child's name and a phone number", target_fixture="confirmed")
def she_confirms(birth, offer):
    confirmed = birth["client"].confirm(offer.application_id, {"child_name": unique_child_name(),
                                                               "contact_phone": PHONE})
    assert confirmed.status == pb.Application.IN_PROGRESS
    return confirmed


@then(parsers.parse("the offer reaches COMPLETED with {typed:d} field typed"), target_fixture="confirmed")
@then(parsers.parse("the offer reaches COMPLETED with {typed:d} fields typed"), target_fixture="confirmed")
def completed(birth, offer, typed):
    application = birth["client"].settle(offer.application_id)
    assert application.status == pb.Application.COMPLETED, list(application.reasons)
    assert application.offer.typed == typed and application.offer.HasField("confirmed_at")
    return application


@then("every step is COMPLETED with its result:")
def every_step_with_result(confirmed, datatable):
    header, *rows = datatable
    assert {s.id for s in confirmed.steps} == {row[0] for row in rows}
    for step_id, department, result in rows:
        done = step(confirmed, step_id)
        assert (done.department, done.status) == (department, pb.Step.COMPLETED), (step_id, done.reason)
        assert done.result[result], (step_id, dict(done.result))


@then("she was told of the offer and of its results, in Chinese")
@then("he was told of the offer and of its results, in Chinese")
def told(notifications, birth, confirmed):
    def heard() -> list[dict]:
        theirs = [n for n in notifications.of(birth["subject"]) if n["application_id"] == confirmed.application_id]
        # the end also invites a rating (rating.feature)
        assert sorted(n["kind"] for n in theirs) == ["COMPLETED", "OFFER_MADE", "RATING_INVITATION"], theirs
        return {n["kind"]: n for n in theirs}
    heard_of = eventually(heard)
    made, done = heard_of["OFFER_MADE"], heard_of["COMPLETED"]
    assert made["language"] == done["language"] == "zh" and "请" in made["title"]
    results = [v for k, v in sorted(done["details"].items())]
    assert results and all(value in done["body"] for value in results)


# -- again, and by someone else ----------------------------------------------------------------------
@when("the birth_recorded event is delivered to the coordinator again")
def delivered_again(running_suite, birth):
    record = birth["record"]
    message = events_pb2.DepartmentEvent(event_id=record.event_id, type="birth_recorded", department="health")
    message.occurred_at.FromDatetime(dt.datetime.now(dt.timezone.utc))
    message.birth_recorded.CopyFrom(events_pb2.BirthRecorded(
        birth_record_no=record.number, mother_id=record.mother_id, birth_date=record.birth_date,
        birth_time=record.birth_time, sex=record.sex, hospital=record.hospital,
        birth_weight_grams=record.birth_weight_grams))
    publish_event(running_suite.topology, message)


@when("the hospital records the same birth again")
def recorded_again(hospital, birth):
    again = hospital.stub.RecordBirth(birth["request"], metadata=hospital.metadata, timeout=10)
    assert (again.number, again.event_id) == (birth["record"].number, birth["record"].event_id)


@then("she still has exactly one offer of that birth")
def exactly_one(hospital, birth, offer):
    # The coordinator takes events in order: once the offer of a birth recorded after everything above
    # is there, a second offer of this birth would be there too.
    later, _ = record_birth(hospital, birth["subject"], "female")
    the_offer(birth["client"], later.event_id)
    assert [a.application_id for a in offers_of(birth["client"], birth["record"].event_id)] == [offer.application_id]

@when(parsers.parse("the father {name}, {father_id}, tries to confirm it"), target_fixture="attempt")
def father_confirms(applicants, running_suite, offer, father_id):
    father = applicants.citizen(father_id)
    before = stored_submissions(running_suite.data_dir)
    with pytest.raises(grpc.RpcError) as err:
        father.confirm(offer.application_id, {"child_name": unique_child_name(), "contact_phone": PHONE})
    return {"error": err.value, "father": father, "stored_before": before}


@then("he is answered NOT_FOUND and the offer is still OFFERED, unchanged")
def not_found_unchanged(attempt, birth, offer):
    assert attempt["error"].code() == grpc.StatusCode.NOT_FOUND
    assert bad_request_fields(attempt["error"]) == {"application_id": "no such application"}
    now = birth["client"].get(offer.application_id)
    assert (now.status, now.version) == (pb.Application.OFFERED, offer.version)


@then("he sees no offer among his applications")
def father_sees_none(attempt, offer):
    assert offer.application_id not in {a.application_id for a in attempt["father"].mine(page_size=100).applications}


# -- time -------------------------------------------------------------------------------------------
@when(parsers.parse("{days:d} days pass on the coordinator's clock"))
@when(parsers.parse("{days:d} more days pass on the coordinator's clock"))
def days_pass(coordinator_clock, days):
    coordinator_clock.advance(days=days, seconds=1)


@then("she was reminded of the offer")
def reminded(notifications, birth, offer):
    def heard() -> dict:
        found = [n for n in notifications.of(birth["subject"])
                 if n["application_id"] == offer.application_id and n["kind"] == "OFFER_REMINDER"]
        assert found, "no reminder yet"
        return found[0]
    reminder = eventually(heard, timeout=30)
    assert reminder["title"].endswith("请尽快确认")
    assert birth["client"].get(offer.application_id).status == pb.Application.OFFERED


@then("the offer is EXPIRED and she was told so")
def expired(notifications, birth, offer):
    def ended() -> pb.Application:
        application = birth["client"].get(offer.application_id)
        assert application.status == pb.Application.EXPIRED, pb.Application.Status.Name(application.status)
        return application
    eventually(ended, timeout=30)
    eventually(lambda: [n for n in notifications.of(birth["subject"])
                        if n["application_id"] == offer.application_id and n["kind"] == "OFFER_EXPIRED"], timeout=30)


@then("confirming it now is refused as FAILED_PRECONDITION")
def too_late(birth, offer):
    with pytest.raises(grpc.RpcError) as err:
        birth["client"].confirm(offer.application_id, {"child_name": unique_child_name(), "contact_phone": PHONE})
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


# -- a crash ----------------------------------------------------------------------------------------
@when("the health department is killed -9 with the event recorded and not published")
def killed(running_suite, department_outage, birth):
    stop, _ = department_outage
    with sqlite3.connect(f"file:{running_suite.data_dir / 'health.sqlite'}?mode=ro", uri=True) as register:
        [(outbox,)] = register.execute("SELECT data FROM records WHERE kind='outbox' AND key=?",
                                       (birth["record"].event_id,)).fetchall()
    assert json.loads(outbox)["sent"] is False, "recorded in the register's outbox, not published"
    assert offers_of(birth["client"], birth["record"].event_id) == []
    stop("health")


@when("it starts again without the rule")
def started_again(department_outage, fault_rules):
    _, restore = department_outage
    fault_rules.clear()
    restore("health")


# -- a retirement -----------------------------------------------------------------------------------
@given("social security's retirement scan runs", target_fixture="scan")
def the_scan(running_suite, tokens):
    with grpc.insecure_channel(running_suite.department_addresses["social_security"]) as channel:
        scanned = Register("social_security", channel, tokens.operator()).ScanRetirements()
    assert scanned.published + scanned.already >= 1
    return scanned


@then(parsers.parse("{name}, {resident_id}, finds the retirement bundle OFFERED, asked only for {field}"),
      target_fixture="offer")
def retirement_offered(applicants, resident_id, field, name):
    person = applicants.citizen(resident_id)

    def found() -> pb.Application:
        offers = [a for a in offers_of(person) if a.bundle == "retirement"]
        assert offers, "no retirement offer yet"
        return offers[0]
    offer = eventually(found, timeout=30)
    assert offer.status == pb.Application.OFFERED and list(offer.offer.asked) == [field]
    assert {k.field for k in offer.offer.known} >= {"resident_id", "birth_date", "sex", "contribution_years"}
    return offer


@when(parsers.parse("he confirms it with bank account {account}"), target_fixture="birth")
def he_confirms(applicants, offer, account):
    [resident_id] = [k.value for k in offer.offer.known if k.field == "resident_id"]
    person = applicants.citizen(resident_id)
    assert person.confirm(offer.application_id, {"bank_account": account}).status == pb.Application.IN_PROGRESS
    return {"client": person, "subject": resident_id}


@then(parsers.parse("step {step_id} set the retirement date {date}"))
def retirement_date(confirmed, step_id, date):
    assert step(confirmed, step_id).result["retirement_date"] == date
