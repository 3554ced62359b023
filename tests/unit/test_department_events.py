"""Departments publish what happened through an outbox in their register (proactive service): a
hospital's birth record and social security's retirement scan write their event in the same
transaction as what it reports; the relay publishes what is pending and marks it sent, so a failure
loses nothing and a repeat carries the same id. The catalogue's event payloads are the protobuf's."""
import datetime as dt

import pytest

from lifeevents.v1 import events_pb2
from services.civil_registration.domain import CivilRegistration
from services.common.domain import InMemoryRegister, InvalidFields
from services.common.faults import FaultRules
from services.common.seed import load_seed_file
from services.health.domain import Health
from services.social_security.domain import SocialSecurity
from services.social_security.retirement import RetirementRules
from tests.support.fakes import shipped_catalogue

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)
MOTHER = "370202199205140022"


def health() -> Health:
    return Health(InMemoryRegister(), today=lambda: NOW.date())


def record(department: Health, **changes) -> dict:
    values = {"mother_id": MOTHER, "born_at": NOW - dt.timedelta(hours=3), "sex": "female",
              "hospital": "青岛市妇女儿童医院", "weight_grams": 3250, "recorded_by": "H-370202-01", "now": NOW}
    return department.record_birth(**{**values, **changes})


class Published(list):
    def __call__(self, message, routing_key):
        self.append((routing_key, events_pb2.DepartmentEvent.FromString(message.SerializeToString())))


def test_a_recorded_birth_is_kept_with_its_event_in_the_outbox():
    department = health()
    birth = record(department)
    local = (NOW - dt.timedelta(hours=3)).astimezone()
    assert (birth["birth_date"], birth["birth_time"], birth["number"]) == (
        local.date().isoformat(), f"{local:%H:%M}", f"B{local:%y}0000001"), "dated in the department's time zone"
    [pending] = department.outbox.pending()
    assert (pending["event_id"], pending["type"], pending["sent"]) == (birth["event_id"], "birth_recorded", False)
    published = Published()
    assert department.outbox.publish_pending(published) == [birth["event_id"]]
    [(routing_key, message)] = published
    assert routing_key == "health.birth_recorded" and message.WhichOneof("payload") == "birth_recorded"
    assert (message.birth_recorded.mother_id, message.birth_recorded.birth_weight_grams) == (MOTHER, 3250)
    assert department.outbox.pending() == [] and department.outbox.get(birth["event_id"])["sent"]


def test_the_same_birth_recorded_again_is_the_first_record_and_no_second_event():
    department = health()
    first = record(department)
    assert record(department) == first
    assert len(department.outbox.pending()) == 1
    record(department, born_at=NOW - dt.timedelta(hours=2, minutes=50))  # a twin, ten minutes later
    assert len(department.outbox.pending()) == 2


def test_a_bad_birth_record_names_every_field_and_records_nothing():
    department = health()
    with pytest.raises(InvalidFields) as err:
        record(department, mother_id="370202199003070011", born_at=NOW + dt.timedelta(hours=1), sex="girl",
               hospital="  ", weight_grams=12)
    assert [field for field, _ in err.value.violations] == ["mother_id", "born_at", "sex", "hospital",
                                                           "birth_weight_grams"]
    assert department.register.records == {}


def test_a_failed_publish_leaves_the_event_pending_and_a_repeat_carries_the_same_id():
    department = health()
    birth = record(department)

    def unreachable(message, routing_key):
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        department.outbox.publish_pending(unreachable)
    assert [e["event_id"] for e in department.outbox.pending()] == [birth["event_id"]]
    published = Published()
    department.outbox.publish_pending(published)
    assert published[0][1].event_id == birth["event_id"]


def test_a_fault_rule_holds_the_relay_until_it_goes(tmp_path):
    department = health()
    record(department)
    path = tmp_path / "faults.json"
    path.write_text('[{"department": "health", "relay": "hold", "type": "birth_recorded"}]')
    rules = FaultRules(path)
    published = Published()
    assert department.outbox.publish_pending(published, lambda t: rules.holds("health", t)) == []
    assert not rules.holds("social_security", "birth_recorded") and not rules.holds("health", "other")
    rules.check("health", "issue_birth_certificate", {}, 1)  # a relay rule fails no command
    path.write_text("[]")
    assert len(department.outbox.publish_pending(published, lambda t: FaultRules(path).holds("health", t))) == 1


def test_the_retirement_scan_tells_each_unretired_person_within_the_window_once():
    department = SocialSecurity(InMemoryRegister(), today=lambda: dt.date(2026, 12, 1), rules=RetirementRules.from_file())
    load_seed_file(department)
    scanned = department.scan_retirements()
    events = {e["payload"]["resident_id"]: e["payload"] for e in department.outbox.pending()}
    assert (scanned["until"], scanned["published"], scanned["already"]) == ("2027-03-01",
                                                                            len(events), 0)
    assert events["37020319660508013X"] == {"resident_id": "37020319660508013X", "retirement_date": "2026-10-08",
                                            "category": "male", "post_type": ""}
    assert events["370203197605200247"]["retirement_date"] == "2027-02-20", "a woman in production, as recorded"
    assert "34052419800101001X" not in events, "retires in 2043"
    assert "11010519491231002X" not in events, "retired in 2004"
    again = department.scan_retirements()
    assert (again["published"], again["already"]) == (0, len(events))
    assert len(department.outbox.pending()) == len(events)


def test_the_daily_scan_runs_once_a_day_by_the_departments_clock():
    today = [dt.date(2026, 7, 1)]
    department = SocialSecurity(InMemoryRegister(), today=lambda: today[0], rules=RetirementRules.from_file())
    load_seed_file(department)
    first = department.scan_retirements_daily()
    assert first["as_of"] == "2026-07-01" and "37020319660508013X" not in {
        e["payload"]["resident_id"] for e in department.outbox.pending()}, "retires on 2026-10-08: beyond the window"
    assert department.scan_retirements_daily() is None, "once a day"
    today[0] = dt.date(2026, 7, 10)
    assert department.scan_retirements_daily()["published"] >= 1
    assert "37020319660508013X" in {e["payload"]["resident_id"] for e in department.outbox.pending()}


def test_the_civil_register_answers_the_spouse_in_the_household():
    civil = CivilRegistration(InMemoryRegister())
    load_seed_file(civil)
    assert civil.lookup("spouse_of", MOTHER) == {"resident_id": "370202199003070011", "name": "王建国"}
    assert civil.lookup("spouse_of", "370202199003070011")["name"] == "李秀英"
    assert civil.lookup("spouse_of", "11010519491231002X") is None, "a mother in the household is no spouse"
    assert civil.lookup("spouse_of", "34052419800101001X") is None


@pytest.mark.parametrize("event", [e for d in shipped_catalogue().departments.values() for e in d.events.values()],
                         ids=lambda e: e.key)
def test_each_catalogued_event_is_a_payload_of_department_event_with_those_scalar_fields(event):
    oneof = events_pb2.DepartmentEvent.DESCRIPTOR.oneofs_by_name["payload"]
    [payload] = [f for f in oneof.fields if f.name == event.name]
    fields = {f.name: f for f in payload.message_type.fields}
    assert set(fields) == set(event.payload)
    assert all(f.message_type is None and not f.is_repeated for f in fields.values()), "prefill takes scalars"
