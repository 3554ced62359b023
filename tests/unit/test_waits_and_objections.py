"""Waits the coordinator sits out (a public notice), objections during them, and the timer index."""
import datetime as dt

import pytest
import yaml

from saga.adapters.bundle_files import load_catalogue
from saga.adapters.timers import CHASE, WAIT, TimerIndex, WaitScheduler
from saga.coordinator import Coordinator
from saga.domain.bundles import BundleSet, parse_bundle
from saga.domain.model import ObjectionNotOpen
from tests.support.fakes import ROOT, START
from tests.support.fakes import RecordingBus, SteppingClock, shipped_bundles

BUNDLES = shipped_bundles()
FORM = {"credit_code": "91630102900000030K", "legal_rep_id": "630102198702110354", "reason": "business_ended",
        "company_name": "西宁高原牧业有限公司", "legal_rep_name": "马海龙", "registered_address": "西宁"}


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def coordinator(clock):
    app = Coordinator(BUNDLES, RecordingBus(), clock=clock, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def noticed(coordinator):
    application_id = coordinator.submit("deregistration_simplified", FORM)
    [notice] = coordinator.bus.sent
    coordinator.record_result(application_id, "public_notice", notice.command_id, True,
                              {"notice_no": "N1", "notice_ends_on": "2026-12-12"})
    return application_id


def test_the_notice_period_waits_twenty_days_then_the_closings_start(coordinator, clock, tmp_path):
    application_id = noticed(coordinator)
    waiting = coordinator.get_application(application_id).steps["notice_period"]
    assert waiting.status == "WAITING" and waiting.fires_at == START + dt.timedelta(days=20)
    assert len(coordinator.bus.sent) == 1, "nothing else starts during the notice"

    scheduler = WaitScheduler(coordinator, TimerIndex(tmp_path / "timers.sqlite"), clock)
    scheduler.follow()
    assert scheduler.index.count() == 1
    clock.now = START + dt.timedelta(days=19, hours=23)
    assert scheduler.fire_due() == 0
    clock.now = START + dt.timedelta(days=20)
    assert scheduler.fire_due() == 1
    assert {d.step for d in coordinator.bus.sent[1:]} == {"tax_clearance", "social_insurance_closing",
                                                          "medical_insurance_closing", "housing_fund_closing"}
    scheduler.follow()
    assert scheduler.index.count() == 0


def test_the_timer_index_survives_a_restart_and_applies_each_event_once(coordinator, clock, tmp_path):
    application_id = noticed(coordinator)
    first = WaitScheduler(coordinator, TimerIndex(tmp_path / "timers.sqlite"), clock)
    applied = first.follow()
    first.index.close()
    again = WaitScheduler(coordinator, TimerIndex(tmp_path / "timers.sqlite"), clock)
    assert again.follow() == 0, "the tracked position was kept"
    assert again.index.count() == 1 and applied == coordinator.recorder.max_notification_id()
    clock.now = START + dt.timedelta(days=21)
    assert again.index.due(clock.now) == [(str(application_id), "notice_period", "wait")]


def test_an_objection_during_the_notice_stops_the_application(coordinator):
    application_id = noticed(coordinator)
    application = coordinator.object(application_id, "某债权人", "unpaid supplier invoices")
    assert application.status == "REJECTED"
    assert application.steps["notice_period"].status == "REJECTED"
    assert application.steps["tax_clearance"].status == "CANCELLED"
    assert "objection by 某债权人" in application.reasons[0]
    assert not coordinator.end_wait(application_id, "notice_period")


def test_no_objection_outside_the_notice_period(coordinator, clock):
    application_id = coordinator.submit("deregistration_simplified", FORM)
    with pytest.raises(ObjectionNotOpen):
        coordinator.object(application_id, "someone", "too early")
    [notice] = coordinator.bus.sent
    coordinator.record_result(application_id, "public_notice", notice.command_id, True,
                              {"notice_no": "N1", "notice_ends_on": "2026-12-12"})
    clock.now = START + dt.timedelta(days=20)
    assert coordinator.end_wait(application_id, "notice_period")
    with pytest.raises(ObjectionNotOpen):
        coordinator.object(application_id, "someone", "too late")


def test_a_wait_ends_no_sooner_than_it_should(coordinator, clock):
    application_id = noticed(coordinator)
    clock.now = START + dt.timedelta(days=19)
    assert not coordinator.end_wait(application_id, "notice_period")


def test_a_wait_cancelled_by_a_compensation_leaves_the_timer_index(clock, tmp_path):
    definition = yaml.safe_load((ROOT / "bundles" / "startup.yaml").read_text(encoding="utf-8"))
    definition["steps"]["cooling_off"] = {"wait": "7d", "after": ["business_registration"]}
    startup = parse_bundle(definition, "startup.yaml", load_catalogue(ROOT / "bundles" / "departments.yaml"))
    coordinator = Coordinator(BundleSet({"startup": startup}), RecordingBus(), clock=clock,
                              env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    scheduler = WaitScheduler(coordinator, TimerIndex(tmp_path / "timers.sqlite"), clock)
    application_id = coordinator.submit("startup", {
        "company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
        "registered_address": "青岛", "registered_capital": "300000", "legal_rep_id": "370202199205140022",
        "legal_rep_name": "李秀英"})
    [registration] = coordinator.bus.sent
    coordinator.record_result(application_id, registration.step, registration.command_id, True,
                              {"credit_code": "91370202000000019Q", "licence_no": "1"})
    scheduler.follow()
    assert scheduler.index.count(WAIT) == 1
    tax = next(d for d in coordinator.bus.sent if d.step == "tax_registration")
    coordinator.record_result(application_id, tax.step, tax.command_id, False, {}, "arrears")
    application = coordinator.get_application(application_id)
    assert (application.status, application.steps["cooling_off"].status) == ("COMPENSATING", "CANCELLED")
    scheduler.follow()
    assert scheduler.index.count(WAIT) == 0, "the cancelled wait is no longer checked"
    assert scheduler.index.count(CHASE) > 0, "the steps in flight are still chased"
