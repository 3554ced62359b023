"""What citizens hear: each moment of an application (an offer made, a reminder, an expiry, completed
with its results, refused) is a notification per principal, derived from the stored events by the
notification relay (the outbox's guarantee: from its own position, again with the same ids after a
failure), in the recipient's language; the notifier delivers each id once, a file per recipient in
development."""
import json
import stat
import uuid

import pytest

from lifeevents.v1 import events_pb2, notifications_pb2
from saga.adapters.notifications import NotificationRelay, start_at_the_head
from saga.adapters.rabbitmq.events import MalformedEvent, event_of
from saga.domain.notices import NoticeKind, notice, notice_of
from saga.domain.ports import DepartmentEvent
from services.common.domain import InMemoryRegister
from services.notifier.delivery import FileDelivery, Notifier, recipient_key
from tests.support.fakes import MOTHER, START, shipped_catalogue
from tests.unit.test_coordinator_use_cases import OUTPUTS

FATHER = "370202199003070011"


def birth() -> DepartmentEvent:
    return DepartmentEvent(str(uuid.uuid4()), "health", "birth_recorded", START, {
        "birth_record_no": "B26000001", "mother_id": MOTHER.subject, "birth_date": "2026-11-21",
        "birth_time": "08:10", "sex": "female", "hospital": "青岛市妇女儿童医院", "birth_weight_grams": "3250"})


def sent(wiring) -> list[notifications_pb2.Notification]:
    return wiring.notifications.bus.sent


def complete(coordinator, bus, application_id) -> None:
    answered = set()
    while pending := [d for d in bus.sent if d.step not in answered and d.application_id == application_id]:
        for dispatch in pending:
            answered.add(dispatch.step)
            coordinator.record_result(application_id, dispatch.step, dispatch.command_id, True, OUTPUTS[dispatch.step])


def test_an_offer_and_its_completion_are_told_to_the_mother_in_her_language(coordinator, wiring, bus):
    [application_id] = coordinator.offer(birth())
    [made] = sent(wiring)
    assert (made.kind, made.recipient, made.language, made.application_id) == (
        notifications_pb2.Notification.OFFER_MADE, MOTHER.subject, "zh", str(application_id))
    assert made.title == "出生一件事：已为您预填，请确认"
    assert "新生儿姓名、联系电话" in made.body and "医院出生登记" in made.body and "2026-12-22 17:00" in made.body
    coordinator.set_language("en", caller=MOTHER)
    coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"}, caller=MOTHER)
    complete(coordinator, bus, application_id)
    done, invited = sent(wiring)[-2:]
    assert (invited.kind, invited.language, invited.title) == (notifications_pb2.Notification.RATING_INVITATION, "en",
                                                               "Newborn: please rate the service")
    assert "very satisfied" in invited.body and invited.notification_id != done.notification_id
    assert (done.kind, done.language, done.title) == (notifications_pb2.Notification.COMPLETED, "en",
                                                      "Newborn: everything is done")
    assert done.details["birth_certificate.birth_certificate_no"] == "Q1"
    assert done.details["household_registration.child_id"] == "370202********0024", "resident IDs masked"
    assert "household_registration.household_address" not in done.details, "a personal result stays out"
    assert "Birth medical certificate: Q1" in done.body and "Social security card application: S1" in done.body
    assert len(sent(wiring)) == 3, "nothing else was a moment"


def test_a_reminder_and_an_expiry_are_moments_and_each_has_its_id(coordinator, wiring, tick):
    coordinator.offer(birth())
    tick()
    tick(days=15)
    tick(days=15)
    kinds = [n.kind for n in sent(wiring)]
    assert kinds == [notifications_pb2.Notification.OFFER_MADE, notifications_pb2.Notification.OFFER_REMINDER,
                     notifications_pb2.Notification.OFFER_EXPIRED]
    assert len({n.notification_id for n in sent(wiring)}) == 3


def test_a_refusal_is_told_with_its_reason(coordinator, wiring, bus):
    from tests.support.clients import newborn_form
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [dispatch] = bus.sent
    coordinator.record_result(application_id, dispatch.step, dispatch.command_id, False, {},
                              "mother_id 370202199205140022 is not a mother here")
    refused = {n.recipient: n for n in sent(wiring) if n.kind == notifications_pb2.Notification.REJECTED}
    assert set(refused) == {MOTHER.subject, FATHER}, "every principal the form names"
    invited = [n.recipient for n in sent(wiring) if n.kind == notifications_pb2.Notification.RATING_INVITATION]
    assert sorted(invited) == sorted(refused) and len(sent(wiring)) == 4, "each is invited to rate it"
    assert "请对本次服务作出评价" in [n for n in sent(wiring) if n.recipient == MOTHER.subject][-1].body
    assert "370202********0022" in refused[FATHER].body and "370202199205140022" not in refused[FATHER].body


def test_every_principal_hears_and_the_same_moment_has_the_same_id(coordinator, wiring):
    from tests.support.clients import newborn_form
    application_id = coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    application = coordinator.get_application(application_id)
    event = coordinator.history(application_id)[0]
    found = notice(NoticeKind.OFFER_MADE, event, application, {})
    assert set(found.recipients) == {MOTHER.subject, FATHER}
    assert found.notification_id(MOTHER.subject) == notice(NoticeKind.OFFER_MADE, event, application, {}) \
        .notification_id(MOTHER.subject) != found.notification_id(FATHER)
    assert notice_of(event, application) is None, "a submission is no moment to tell of"


def test_the_relay_publishes_from_its_position_and_again_after_a_failure(coordinator, wiring):
    relay: NotificationRelay = wiring.notifications

    class Flaky(list):
        failing = True

        def send(self, notifications):
            if self.failing:
                raise ConnectionError("broker down")
            self.extend(notifications)

    flaky = relay.bus = Flaky()
    coordinator.offer(birth())  # the relay's attempt fails: the position stays
    assert flaky == [] and relay.position == 0
    flaky.failing = False
    relay.relay_pending()
    [made] = flaky
    assert relay.position == coordinator.recorder.max_notification_id()
    relay._position = 0  # as after a crash between publishing and recording the position
    relay.bus = again = Flaky()
    again.failing = False
    relay.relay_pending()
    assert [n.notification_id for n in again] == [made.notification_id], "published again, with the same id"


def test_a_store_that_ran_without_notifications_starts_them_at_its_head(coordinator, wiring):
    from eventsourcing.persistence import Tracking
    coordinator.offer(birth())
    positions = wiring.projections
    assert positions.position("notifications") == coordinator.recorder.max_notification_id()
    positions.tracking.insert_tracking(Tracking("fresh-store-check", 1))
    start_at_the_head(positions, coordinator.recorder)  # it has a position: nothing changes
    assert positions.position("notifications") == coordinator.recorder.max_notification_id()


def notification(notification_id: str = "n-1", recipient: str = MOTHER.subject) -> notifications_pb2.Notification:
    message = notifications_pb2.Notification(
        notification_id=notification_id, recipient=recipient, kind=notifications_pb2.Notification.COMPLETED,
        application_id="a-1", bundle="newborn", language="zh", title="出生一件事：已全部办结", body="…",
        details={"social_security_card.card_no": "S1"})
    message.occurred_at.FromDatetime(START)
    return message


def test_the_notifier_delivers_each_id_once_to_a_file_of_the_recipients_own(tmp_path):
    files = FileDelivery(tmp_path / "notifications")
    notifier = Notifier(files, InMemoryRegister())
    assert notifier.handle(notification()) is True
    assert notifier.handle(notification()) is False, "a repeat is not delivered again"
    notifier.handle(notification("n-2"))
    notifier.handle(notification("n-3", recipient=FATHER))
    [path] = [p for p in (tmp_path / "notifications").iterdir() if p.name.startswith(recipient_key(MOTHER.subject))]
    assert MOTHER.subject not in path.name and stat.S_IMODE(path.stat().st_mode) == 0o600
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["notification_id"] for e in entries] == ["n-1", "n-2"]
    assert entries[0]["recipient"] == "370202********0022" and entries[0]["kind"] == "COMPLETED"
    assert [e["notification_id"] for e in files.read(FATHER)] == ["n-3"]


def test_a_delivery_that_fails_is_not_recorded_and_a_crash_after_writing_writes_nothing_twice(tmp_path):
    files = FileDelivery(tmp_path)
    register = InMemoryRegister()

    class Broken(FileDelivery):
        def deliver(self, n):
            raise OSError("disk full")

    with pytest.raises(OSError):
        Notifier(Broken(tmp_path), register).handle(notification())
    assert Notifier(files, register).handle(notification()) is True
    files.deliver(notification())  # as a redelivery after a crash before the register recorded it
    assert len(files.read(MOTHER.subject)) == 1


def test_the_coordinator_takes_an_event_only_as_the_catalogue_declares_it():
    catalogue = shipped_catalogue()
    message = events_pb2.DepartmentEvent(event_id="e-1", type="birth_recorded", department="health")
    message.occurred_at.FromDatetime(START)
    message.birth_recorded.mother_id = MOTHER.subject
    message.birth_recorded.birth_weight_grams = 3250
    event = event_of(message, catalogue)
    assert (event.key, event.payload) == ("health.birth_recorded", {"mother_id": MOTHER.subject,
                                                                   "birth_weight_grams": "3250"})
    for broken in (dict(type="twins_recorded"), dict(department="tax"), dict(event_id=""), dict(event_id="x" * 129)):
        bad = events_pb2.DepartmentEvent()
        bad.CopyFrom(message)
        for name, value in broken.items():
            setattr(bad, name, value)
        with pytest.raises(MalformedEvent):
            event_of(bad, catalogue)
    other = events_pb2.DepartmentEvent(event_id="e-2", type="birth_recorded", department="health")
    other.retirement_age_approaching.resident_id = MOTHER.subject
    with pytest.raises(MalformedEvent):
        event_of(other, catalogue)
