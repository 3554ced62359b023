"""The proactive service with several coordinators on one PostgreSQL: an event offered by two at the
same moment is one offer; the offer's timers, read models and the starts projection (the proactive
statistics) run their SQL on PostgreSQL, are shared, and rebuild the same; the notification relay's
position is shared, so a new instance tells no moment again."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from saga.adapters.notifications import KeptNotifications
from saga.bootstrap import migrate, wire
from saga.config import Config
from saga.domain.ports import DepartmentEvent
from tests.support.fakes import MOTHER, RecordingBus, SeededRegisters
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def config(tmp_path):
    with fresh_database() as url:
        config = Config(data_dir=tmp_path, event_store=url)
        migrate(config)
        yield config


def coordinator_of(config, clock=lambda: NOW, notifications=None):
    return wire(config, bus=RecordingBus(), clock=clock, lookups=SeededRegisters(),
                notification_bus=notifications or KeptNotifications())


def birth() -> DepartmentEvent:
    return DepartmentEvent(str(uuid.uuid4()), "health", "birth_recorded", NOW, {
        "birth_record_no": "B26000001", "mother_id": MOTHER.subject, "birth_date": "2026-11-21",
        "birth_time": "08:10", "sex": "female", "hospital": "青岛市妇女儿童医院", "birth_weight_grams": "3250"})


def test_an_event_offered_by_two_coordinators_at_once_is_one_offer(config):
    first, second = coordinator_of(config), coordinator_of(config)
    event, offered, failures, start = birth(), [], [], threading.Barrier(2)

    def offer(wiring):
        start.wait()
        try:
            offered.extend(wiring.coordinator.offer(event))
        except Exception as err:  # noqa: BLE001 - counted, and the test says which
            failures.append(repr(err))

    threads = [threading.Thread(target=offer, args=(w,)) for w in (first, second)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert failures == [] and len(set(offered)) == 1
    [application_id] = set(offered)
    assert [type(e).__name__ for e in first.coordinator.history(application_id)] == ["Offered"]
    first.close()
    second.close()


def test_offers_timers_read_models_and_figures_are_shared_and_rebuild_the_same(config):
    now = [NOW]
    first, second = coordinator_of(config, lambda: now[0]), coordinator_of(config, lambda: now[0])
    [confirmed] = first.coordinator.offer(birth())
    second.coordinator.confirm(confirmed, {"child_name": "王小禾", "contact_phone": "13805320001"}, caller=MOTHER)
    [declined] = second.coordinator.offer(birth())
    first.coordinator.decline(declined, caller=MOTHER)
    [left] = first.coordinator.offer(birth())
    first.scheduler.tick()  # the instance that follows the log into the projections
    now[0] += dt.timedelta(days=30)
    second.scheduler.tick()  # from the shared index: the open offer's reminder and expiry (and a chase of the other)
    assert [type(e).__name__ for e in second.coordinator.history(left)] == ["Offered", "OfferReminded", "Expired"]
    first.scheduler.tick()
    [figures] = [s.proactive for s in second.queries.statistics("newborn")]
    assert (figures["offers_made"], figures["offers_declined"], figures["offers_expired"]) == (3, 1, 1)
    assert figures["proactive_share"] == 1.0 and figures["typed_fields_median"] == {"proactive": 2.0}
    by_status = second.queries.read_models.view.by_status()
    assert (by_status["IN_PROGRESS"], by_status["DECLINED"], by_status["EXPIRED"]) == (1, 1, 1)
    assert {a.id for a, _ in second.queries.mine(MOTHER.subject)[0]} == {confirmed, declined, left}
    before = (second.queries.statistics("newborn"), second.queries.read_models.view.snapshot())
    assert list(second.queries.rebuild())[-1].done
    assert (second.queries.statistics("newborn"), second.queries.read_models.view.snapshot()) == before
    first.close()
    second.close()


def test_a_new_coordinator_tells_no_moment_again(config):
    told = KeptNotifications()
    first = coordinator_of(config, notifications=told)
    first.coordinator.offer(birth())
    assert [n.kind for n in told.sent] == [1]  # OFFER_MADE
    again = KeptNotifications()
    second = coordinator_of(config, notifications=again)
    assert second.notifications.relay_pending() == 0 and again.sent == []
    second.coordinator.offer(birth())
    assert len(again.sent) == 1 and len(told.sent) == 1
    first.close()
    second.close()
