"""Offers (proactive service), in the coordinator's use cases wired as in production with the seeded
registers: a department's event becomes an application OFFERED to the people its bundle's trigger
names, once per event; its principal confirms it with what is still asked (checked as a Submit,
nothing stored on error) or declines it; the timers remind halfway and let it expire."""
import copy
import datetime as dt
import uuid

import pytest
import yaml

from saga.adapters.timers import EXPIRE, REMIND
from saga.domain.access_log import AccessLog
from saga.domain.bundle import BundleSet
from saga.domain.errors import FormInvalid, InvalidRequest, NotVisible, OfferClosed, PermissionDenied
from saga.domain.parser import parse_bundle
from saga.domain.ports import DepartmentEvent
from lifeevents.callers import Principal, Role
from tests.support.fakes import AGENT, MOTHER, ROOT, START, STRANGER, officer, shipped_bundles, shipped_catalogue

FATHER = Principal("370202199003070011", Role.CITIZEN)  # 王建国, in the mother's household
RETIREE = Principal("370202196603150134", Role.CITIZEN)  # 刘建军


def birth(event_id: str = "", mother: str = MOTHER.subject, **payload) -> DepartmentEvent:
    values = {"birth_record_no": "B26000001", "mother_id": mother, "birth_date": "2026-11-21", "birth_time": "08:10",
              "sex": "female", "hospital": "青岛市妇女儿童医院", "birth_weight_grams": "3250", **payload}
    return DepartmentEvent(event_id or str(uuid.uuid4()), "health", "birth_recorded", START - dt.timedelta(hours=1),
                           values)


def stored(coordinator) -> int:
    return coordinator.recorder.max_notification_id() or 0


def test_a_birth_offers_the_newborn_bundle_to_the_mother_with_what_is_known(coordinator, bus, scheduler, wiring):
    [application_id] = coordinator.offer(birth())
    application = coordinator.get_application(application_id)
    assert (application.status, application.principals, bus.sent) == ("OFFERED", [MOTHER.subject], [])
    known = {name: application.offer.source_of(name) for name in application.offer.sources}
    assert known == {"mother_id": ("event", "health.birth_recorded"), "birth_date": ("event", "health.birth_recorded"),
                     "child_sex": ("event", "health.birth_recorded"), "birth_hospital": ("event", "health.birth_recorded"),
                     "father_id": ("register", "civil_registration.spouse_of"),
                     "father_name": ("register", "civil_registration.spouse_of"),
                     "mother_name": ("register", "civil_registration.person"),
                     "mailing_address": ("register", "civil_registration.household_of")}
    assert application.form["father_name"] == "王建国" and application.form["child_sex"] == "female"
    assert application.offer.asked == ["child_name", "contact_phone"]
    assert application.offer.expires_at == START + dt.timedelta(days=30)
    assert application.offer.remind_at == START + dt.timedelta(days=15)
    scheduler.tick()
    assert [(a.id, role) for a, role in wiring.queries.mine(MOTHER.subject)[0]] == [(application_id, "principal")]
    assert wiring.queries.mine(FATHER.subject)[1] == 0, "the offer is the mother's"
    timers = {(step, kind) for step, kind in wiring.timers.view.rows("SELECT step, kind FROM timers")}
    assert timers == {(REMIND, REMIND), (EXPIRE, EXPIRE)}


def test_the_offers_register_reads_are_in_the_logs_of_the_people_they_are_about(coordinator):
    [application_id] = coordinator.offer(birth())
    mothers = {(e.department, tuple(e.items), e.on_behalf_of) for e in coordinator.data_access(MOTHER.subject)}
    assert mothers == {("civil_registration", ("name",), "health.birth_recorded"),
                       ("civil_registration", ("address",), "health.birth_recorded"),
                       ("civil_registration", ("name", "resident_id"), "health.birth_recorded")}
    [fathers] = coordinator.data_access(FATHER.subject)
    assert (fathers.items, fathers.application_id) == (["name", "resident_id"], str(application_id))


def test_a_redelivered_event_makes_no_second_offer(coordinator):
    event = birth()
    [first] = coordinator.offer(event)
    head = stored(coordinator)
    assert coordinator.offer(copy.deepcopy(event)) == [first]
    assert stored(coordinator) == head, "nothing recorded again"
    [other] = coordinator.offer(birth())
    assert other != first, "another birth is another offer"


def test_an_event_naming_nobody_the_offer_goes_to_offers_nothing(coordinator):
    assert coordinator.offer(birth(mother="not an ID")) == []
    assert stored(coordinator) == 0


def test_the_mother_confirms_with_two_fields_and_the_steps_start(coordinator, bus, scheduler, wiring):
    [application_id] = coordinator.offer(birth())
    application, sight = coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"},
                                             caller=MOTHER)
    assert (application.status, application.offer.typed, application.agent) == (
        "IN_PROGRESS", ["child_name", "contact_phone"], "")
    assert [d.step for d in bus.sent] == ["birth_certificate"]
    assert bus.sent[0].inputs == {"mother_id": MOTHER.subject, "mother_name": "李秀英", "father_id": FATHER.subject,
                                  "father_name": "王建国", "child_name": "王小禾", "child_sex": "female",
                                  "birth_date": "2026-11-21", "birth_hospital": "青岛市妇女儿童医院"}
    assert set(application.looked_up) == {"mother_name", "mailing_address"}, "looked up again, as at Submit"
    scheduler.tick()
    assert wiring.timers.view.rows("SELECT step FROM timers") == [("birth_certificate",)], "the offer's timers went"
    with pytest.raises(OfferClosed):
        coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"}, caller=MOTHER)


def test_a_confirmation_is_checked_as_a_submit_and_a_bad_one_stores_nothing(coordinator, bus):
    [application_id] = coordinator.offer(birth())
    head = stored(coordinator)
    with pytest.raises(FormInvalid) as err:
        coordinator.confirm(application_id, {"child_sex": "male", "contact_phone": "12345", "pet": "cat"},
                            caller=MOTHER)
    assert {e.field: e.description for e in err.value.errors} == {
        "form.child_sex": "already known from health.birth_recorded; leave it out",
        "form.pet": "not a field of the newborn form",
        "form.contact_phone": "a mainland mobile number is 11 digits 0-9 starting 13-19",
        "form.child_name": "required"}
    assert (stored(coordinator), bus.sent) == (head, [])
    assert coordinator.get_application(application_id).status == "OFFERED"


def test_a_known_value_entered_again_unchanged_is_not_counted_as_typed(coordinator):
    [application_id] = coordinator.offer(birth())
    application, _ = coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001",
                                                          "child_sex": "female"}, caller=MOTHER)
    assert application.offer.typed == ["child_name", "contact_phone"]


def test_the_father_cannot_answer_an_offer_made_to_the_mother_and_nothing_is_stored(coordinator):
    [application_id] = coordinator.offer(birth())
    head = stored(coordinator)
    for answer in (lambda: coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"},
                                               caller=FATHER),
                   lambda: coordinator.decline(application_id, caller=FATHER)):
        with pytest.raises(NotVisible):
            answer()
    assert stored(coordinator) == head
    for someone in (STRANGER, AGENT, officer("health")):
        with pytest.raises(NotVisible):
            coordinator.decline(application_id, caller=someone)


class TestATriggerNamingTheFather:
    @pytest.fixture
    def bundles(self):
        """The shipped bundles, the newborn one's offer made to the father too."""
        data = yaml.safe_load((ROOT / "bundles" / "newborn.yaml").read_text(encoding="utf-8"))
        data["proactive"]["principals"] = ["mother_id", "father_id"]
        shipped = shipped_bundles()
        return BundleSet({**shipped.bundles, "newborn": parse_bundle(data, "newborn.yaml", shipped_catalogue())})

    def test_the_father_confirms(self, coordinator, bus):
        [application_id] = coordinator.offer(birth())
        assert set(coordinator.get_application(application_id).principals) == {MOTHER.subject, FATHER.subject}
        application, _ = coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"},
                                             caller=FATHER)
        assert application.status == "IN_PROGRESS" and application.offer.typed == ["child_name", "contact_phone"]


def test_an_agent_with_the_mothers_delegation_confirms_for_her(coordinator, clock):
    [application_id] = coordinator.offer(birth())
    with pytest.raises(NotVisible):
        coordinator.decline(application_id, caller=AGENT)
    coordinator.grant_delegation(AGENT.subject, "newborn", clock() + dt.timedelta(days=30), caller=MOTHER)
    application, sight = coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"},
                                             caller=AGENT)
    assert (application.agent, sight.kind.value) == (AGENT.subject, "agent")
    [read] = [e for e in coordinator.data_access(MOTHER.subject) if e.accessor == AGENT.subject]
    assert read.application_id == str(application_id) and "child_name" in read.items, "the agent's read is in her log"


def test_a_declined_offer_ends_and_sends_nothing(coordinator, bus):
    [application_id] = coordinator.offer(birth())
    application, _ = coordinator.decline(application_id, "we applied at the hospital", caller=MOTHER)
    assert (application.status, application.reasons) == ("DECLINED", ["declined: we applied at the hospital"])
    assert application.is_settled and bus.sent == []
    with pytest.raises(OfferClosed):
        coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"}, caller=MOTHER)


def test_a_reminder_is_due_halfway_and_an_unconfirmed_offer_expires(coordinator, tick):
    [application_id] = coordinator.offer(birth())
    tick()
    assert tick(days=14) == 0
    assert tick(days=1) == 1
    application = coordinator.get_application(application_id)
    assert application.offer.reminded_at is not None and application.status == "OFFERED"
    assert tick(days=14, hours=23) == 0, "one reminder"
    with pytest.raises(OfferClosed):  # past its window it cannot be confirmed, even before the timer fires
        coordinator.get_application(application_id).check_open_offer(START + dt.timedelta(days=30))
    assert tick(hours=1) == 1
    application = coordinator.get_application(application_id)
    assert (application.status, application.is_settled) == ("EXPIRED", True)
    assert [type(e).__name__ for e in coordinator.history(application_id)] == ["Offered", "OfferReminded", "Expired"]


def test_a_retirement_is_offered_and_confirmed_with_a_bank_account_only(coordinator, bus):
    event = DepartmentEvent("r1", "social_security", "retirement_age_approaching", START,
                            {"resident_id": RETIREE.subject, "retirement_date": "2026-07-15", "category": "male",
                             "post_type": ""})
    [application_id] = coordinator.offer(event)
    offered = coordinator.get_application(application_id)
    assert offered.offer.asked == ["bank_account", "contribution_years"], \
        "the seeded registers here hold no contribution record"
    application, _ = coordinator.confirm(application_id, {"bank_account": "6228480402564890018",
                                                          "contribution_years": "34"}, caller=RETIREE)
    assert [d.step for d in bus.sent] == ["retirement_approval"]
    assert set(application.looked_up) == {"birth_date", "sex"}


def test_a_person_chooses_the_language_of_their_notifications(coordinator):
    assert coordinator.language_of(MOTHER.subject) == "zh"
    coordinator.set_language("en", caller=MOTHER)
    assert coordinator.language_of(MOTHER.subject) == "en"
    head = stored(coordinator)
    coordinator.set_language(" EN ", caller=MOTHER)
    assert stored(coordinator) == head, "the same choice again records nothing"
    with pytest.raises(InvalidRequest) as err:
        coordinator.set_language("fr", caller=MOTHER)
    assert err.value.field == "language"
    with pytest.raises(PermissionDenied):
        coordinator.set_language("en", caller=officer("health"))


def test_statistics_count_the_paths_the_typing_and_the_offers(coordinator, wiring, scheduler):
    from tests.support.clients import newborn_form
    coordinator.submit("newborn", newborn_form(birth_date="2026-11-18"), caller=MOTHER)
    [confirmed] = coordinator.offer(birth())
    coordinator.confirm(confirmed, {"child_name": "王小禾", "contact_phone": "13805320001"}, caller=MOTHER)
    [declined] = coordinator.offer(birth())
    coordinator.decline(declined, caller=MOTHER)
    coordinator.offer(birth())
    scheduler.tick()
    [figures] = [s.proactive for s in wiring.queries.statistics("newborn")]
    assert figures["proactive_share"] == 0.5
    assert figures["typed_fields_median"] == {"submitted": 10.0, "proactive": 2.0}
    assert (figures["offers_made"], figures["offers_declined"], figures["offers_expired"]) == (3, 1, 0)
    assert figures["event_to_last_result"]["count"] == 0, "nothing completed yet"


def test_offers_and_confirmations_leave_the_access_log_chains_intact(coordinator, wiring):
    [application_id] = coordinator.offer(birth())
    coordinator.confirm(application_id, {"child_name": "王小禾", "contact_phone": "13805320001"}, caller=MOTHER)
    assert wiring.queries.verify_access_logs().broken is None
    assert coordinator.repository.get(AccessLog.id_for(MOTHER.subject)).version >= 5
