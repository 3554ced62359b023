"""The access rules as pure functions (saga/domain/access.py): who may submit, see, object, delegate
and operate; each rule shown both ways."""
import datetime as dt

import pytest

from saga.domain.access import (OperatorAction, Purpose, SightKind, check_may_delegate, check_may_object,
                                check_may_operate, check_may_submit, check_reason, sight_of)
from saga.domain.errors import InvalidRequest, NotVisible, PermissionDenied
from tests.support.fakes import ADMIN, AGENT, MOTHER, OPERATOR, STRANGER, officer, shipped_bundles
from saga.domain.reads import reads_of, refusals_of

BUNDLES = shipped_bundles()
NEWBORN, RETIREMENT = BUNDLES.get("newborn"), BUNDLES.get("retirement")
FATHER = "370202199003070011"
STEPS = {"birth_certificate": "health", "vaccination_record": "health", "household_registration": "civil_registration",
         "medical_insurance": "medical_insurance", "social_security_card": "social_security"}
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)
nobody_delegated = lambda principal: False  # noqa: E731
all_delegated = lambda principal: True  # noqa: E731


# -- submitting -------------------------------------------------------------------------------------
def test_a_citizen_named_on_the_form_submits_and_nobody_else_does():
    assert check_may_submit(MOTHER, NEWBORN, {"mother_id": MOTHER.subject, "father_id": FATHER}, nobody_delegated) == ""
    with pytest.raises(PermissionDenied) as err:
        check_may_submit(STRANGER, RETIREMENT, {"resident_id": MOTHER.subject}, nobody_delegated)
    assert err.value.field == "form.resident_id" and MOTHER.subject not in str(err.value), "nobody's ID is quoted"


def test_an_agent_submits_only_under_a_delegation_from_a_principal():
    principals = {"mother_id": MOTHER.subject}
    assert check_may_submit(AGENT, NEWBORN, principals, lambda p: p == MOTHER.subject) == AGENT.subject
    with pytest.raises(PermissionDenied) as err:
        check_may_submit(AGENT, NEWBORN, principals, nobody_delegated)
    assert err.value.field == "form.mother_id"


@pytest.mark.parametrize("caller", [officer("front_desk"), OPERATOR, ADMIN])
def test_staff_do_not_submit(caller):
    with pytest.raises(PermissionDenied):
        check_may_submit(caller, NEWBORN, {"mother_id": MOTHER.subject}, all_delegated)


# -- seeing ---------------------------------------------------------------------------------------
def sight(caller, purpose=Purpose.FOLLOW, agent="", delegated=nobody_delegated):
    return sight_of(caller, [MOTHER.subject, FATHER], agent, STEPS, delegated, purpose)


def test_the_principals_see_everything_and_a_stranger_nothing():
    assert sight(MOTHER).kind is SightKind.PRINCIPAL and sight(MOTHER).steps is None and not sight(MOTHER).masked
    with pytest.raises(NotVisible):
        sight(STRANGER)


def test_the_agent_sees_the_application_while_the_delegation_holds():
    assert sight(AGENT, agent=AGENT.subject, delegated=all_delegated).kind is SightKind.AGENT
    with pytest.raises(NotVisible):
        sight(AGENT, agent=AGENT.subject, delegated=nobody_delegated)
    with pytest.raises(NotVisible):
        sight(AGENT, agent="", delegated=all_delegated), "not the agent of this application"


def test_an_officer_sees_the_steps_of_their_department_and_the_front_desk_all_of_them():
    health = sight(officer("health"))
    assert (health.kind, health.steps, health.inputs, health.masked) == (
        SightKind.DEPARTMENT, {"birth_certificate", "vaccination_record"}, True, True)
    assert health.shows("birth_certificate") and not health.shows("household_registration")
    front = sight(officer("front_desk"))
    assert front.kind is SightKind.FRONT_DESK and front.steps is None and front.masked
    with pytest.raises(NotVisible):
        sight(officer("tax")), "no step of the tax bureau in a newborn application"


def test_watch_is_for_the_parties_only():
    assert sight(MOTHER, Purpose.WATCH).is_party
    with pytest.raises(NotVisible):
        sight(officer("health"), Purpose.WATCH)


def test_operators_see_only_through_the_operations_api_and_then_masked():
    with pytest.raises(NotVisible):
        sight(OPERATOR)
    history = sight(OPERATOR, Purpose.HISTORY)
    assert (history.kind, history.masked, history.details_masked) == (SightKind.OPERATOR, True, True)
    with pytest.raises(NotVisible):
        sight(MOTHER, Purpose.HISTORY)


def test_a_read_by_someone_else_is_a_read_of_each_principal_and_a_principals_own_is_none():
    reads = reads_of(officer("health"), sight(officer("health")), [MOTHER.subject, FATHER], "a-1", ["mother_id"],
                     Purpose.FOLLOW)
    assert [(r.subject, r.accessor_role, r.department, r.items, r.allowed) for r in reads] == [
        (MOTHER.subject, "officer", "health", ("mother_id",), True),
        (FATHER, "officer", "health", ("mother_id",), True)]
    assert reads_of(MOTHER, sight(MOTHER), [MOTHER.subject, FATHER], "a-1", [], Purpose.FOLLOW) == []
    history = reads_of(OPERATOR, sight(OPERATOR, Purpose.HISTORY), [MOTHER.subject], "a-1", [], Purpose.HISTORY,
                       "ticket 12")
    assert history[0].purpose == "history: ticket 12"
    refused = refusals_of(STRANGER, [MOTHER.subject], "a-1", Purpose.FOLLOW)
    assert [(r.subject, r.accessor, r.allowed) for r in refused] == [(MOTHER.subject, STRANGER.subject, False)]


# -- objecting, delegating, operating ----------------------------------------------------------------
def test_any_citizen_objects_to_a_public_notice_and_no_one_else():
    assert check_may_object(STRANGER, [MOTHER.subject], open_to_objections=True).kind is SightKind.PUBLIC
    assert check_may_object(MOTHER, [MOTHER.subject], open_to_objections=False).kind is SightKind.PRINCIPAL
    with pytest.raises(NotVisible):
        check_may_object(STRANGER, [MOTHER.subject], open_to_objections=False)
    with pytest.raises(PermissionDenied):
        check_may_object(officer("tax"), [MOTHER.subject], open_to_objections=True)


def test_a_citizen_delegates_to_someone_else_for_at_most_a_year():
    assert check_may_delegate(MOTHER, AGENT.subject.lower(), NOW + dt.timedelta(days=30), NOW) == AGENT.subject
    for agent, until, field in ((MOTHER.subject, NOW + dt.timedelta(days=1), "agent"),
                                ("12345", NOW + dt.timedelta(days=1), "agent"),
                                (AGENT.subject, NOW - dt.timedelta(days=1), "until"),
                                (AGENT.subject, NOW + dt.timedelta(days=400), "until"),
                                (AGENT.subject, None, "until")):
        with pytest.raises(InvalidRequest) as err:
            check_may_delegate(MOTHER, agent, until, NOW)
        assert err.value.field == field
    with pytest.raises(PermissionDenied):
        check_may_delegate(AGENT, STRANGER.subject, NOW + dt.timedelta(days=1), NOW)


@pytest.mark.parametrize("action", list(OperatorAction))
def test_operators_list_read_retry_and_skip_and_only_admins_replay_rebuild_what_if_and_verify(action):
    check_may_operate(ADMIN, action)
    if action.admin_only:
        with pytest.raises(PermissionDenied):
            check_may_operate(OPERATOR, action)
    else:
        check_may_operate(OPERATOR, action)
    with pytest.raises(PermissionDenied):
        check_may_operate(officer("front_desk"), action)


def test_an_operators_read_of_personal_data_needs_a_reason():
    assert check_reason("  ticket 4711 ") == "ticket 4711"
    for reason in ("", "   "):
        with pytest.raises(InvalidRequest) as err:
            check_reason(reason)
        assert err.value.field == "reason"
