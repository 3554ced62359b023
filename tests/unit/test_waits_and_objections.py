"""Waits the coordinator sits out (a public notice), objections during them, and the timer index."""
import datetime as dt

import pytest
import yaml

from saga.adapters.timers import CHASE, WAIT, TimerIndex, TimerView
from saga.domain.bundle import BundleSet
from saga.domain.errors import ObjectionNotOpen
from saga.domain.parser import parse_bundle
from tests.support.fakes import MOTHER, ROOT, START, STARTUP_FORM, STRANGER, XINING_LEGAL_REP, shipped_catalogue

# The company's name, legal representative's name and address are looked up in the (seeded) market register.
FORM = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354", "reason": "business_ended",
        "commitment.no_debts": "accepted"}


def noticed(coordinator, bus):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    [notice] = bus.sent
    coordinator.record_result(application_id, "public_notice", notice.command_id, True,
                              {"notice_no": "N1", "notice_ends_on": "2026-12-12"})
    return application_id


def test_the_notice_period_waits_twenty_days_then_the_closings_start(coordinator, bus, clock, scheduler):
    application_id = noticed(coordinator, bus)
    waiting = coordinator.get_application(application_id).steps["notice_period"]
    assert waiting.status == "WAITING" and waiting.fires_at == START + dt.timedelta(days=20)
    assert len(bus.sent) == 1, "nothing else starts during the notice"

    scheduler.follow()
    assert scheduler.index.view.count() == 1
    clock.now = START + dt.timedelta(days=19, hours=23)
    assert scheduler.fire_due() == 0
    clock.now = START + dt.timedelta(days=20)
    assert scheduler.fire_due() == 1
    assert {d.step for d in bus.sent[1:]} == {"tax_clearance", "social_insurance_closing",
                                             "medical_insurance_closing", "housing_fund_closing"}
    scheduler.follow()
    assert scheduler.index.view.count() == 0


def test_the_timer_index_survives_a_restart_and_applies_each_event_once(coordinator, bus, clock, wiring):
    application_id = noticed(coordinator, bus)
    applied = wiring.timers.follow(coordinator.recorder, coordinator.mapper)
    again = TimerIndex(TimerView(wiring.projections))  # as after a restart, on the same database
    assert again.follow(coordinator.recorder, coordinator.mapper) == 0, "the tracked position was kept"
    assert again.view.count() == 1 and applied == coordinator.recorder.max_notification_id()
    assert again.view.due(START + dt.timedelta(days=21)) == [(str(application_id), "notice_period", "wait")]


def test_an_objection_during_the_notice_stops_the_application(coordinator, bus):
    application_id = noticed(coordinator, bus)
    application, _ = coordinator.object(application_id, "unpaid supplier invoices", "债权人", "某债权人",
                                        caller=STRANGER)
    assert application.status == "REJECTED"
    assert application.steps["notice_period"].status == "REJECTED"
    assert application.steps["tax_clearance"].status == "CANCELLED"
    assert "objection by 债权人 某债权人" in application.reasons[0]
    assert not coordinator.end_wait(application_id, "notice_period")


def test_no_objection_outside_the_notice_period(coordinator, bus, clock):
    application_id = coordinator.submit("deregistration_simplified", FORM, caller=XINING_LEGAL_REP)
    with pytest.raises(ObjectionNotOpen):
        coordinator.object(application_id, "too early", caller=STRANGER)
    [notice] = bus.sent
    coordinator.record_result(application_id, "public_notice", notice.command_id, True,
                              {"notice_no": "N1", "notice_ends_on": "2026-12-12"})
    clock.now = START + dt.timedelta(days=20)
    assert coordinator.end_wait(application_id, "notice_period")
    with pytest.raises(ObjectionNotOpen):
        coordinator.object(application_id, "too late", caller=STRANGER)


def test_a_wait_ends_no_sooner_than_it_should(coordinator, bus, clock):
    application_id = noticed(coordinator, bus)
    clock.now = START + dt.timedelta(days=19)
    assert not coordinator.end_wait(application_id, "notice_period")


class TestAWaitBesideOtherSteps:
    """Startup with a 7-day cooling-off wait that runs beside the registrations."""

    @pytest.fixture
    def bundles(self):
        definition = yaml.safe_load((ROOT / "bundles" / "startup.yaml").read_text(encoding="utf-8"))
        definition["steps"]["cooling_off"] = {"wait": "7d", "after": ["business_registration"]}
        return BundleSet({"startup": parse_bundle(definition, "startup.yaml", shipped_catalogue())})

    def test_a_wait_cancelled_by_a_compensation_leaves_the_timer_index(self, coordinator, bus, scheduler):
        application_id = coordinator.submit("startup", STARTUP_FORM, caller=MOTHER)
        [registration] = bus.sent
        coordinator.record_result(application_id, registration.step, registration.command_id, True,
                                  {"credit_code": "91370202000000019Q", "licence_no": "1"})
        scheduler.follow()
        assert scheduler.index.view.count(WAIT) == 1
        tax = next(d for d in bus.sent if d.step == "tax_registration")
        coordinator.record_result(application_id, tax.step, tax.command_id, False, {}, "arrears")
        application = coordinator.get_application(application_id)
        assert (application.status, application.steps["cooling_off"].status) == ("COMPENSATING", "CANCELLED")
        scheduler.follow()
        assert scheduler.index.view.count(WAIT) == 0, "the cancelled wait is no longer checked"
        assert scheduler.index.view.count(CHASE) > 0, "the steps in flight are still chased"
