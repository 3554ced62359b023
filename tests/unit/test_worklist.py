"""A department's worklist (services/common/worklist.py): which commands open a case, one case per command
id, claims, and the three decisions an officer makes, each recorded as the command's decision."""
import datetime as dt

import pytest

from lifeevents.v1 import steps_pb2
from services.common.domain import Decision, InMemoryRegister
from services.common.decisions import decide
from services.common.seed import load_seed_file
from services.common.worklist import (BadCaseRequest, Case, CaseNotFound, CaseRefused, CaseState, Command,
                                      Worklist)
from services.market_regulation.domain import MarketRegulation
from services.social_security.domain import SocialSecurity
from services.social_security.retirement import RetirementRules

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
SPECIAL = {"resident_id": "370202196810010353", "birth_date": "1968-10-01", "sex": "male", "post_type": "special"}
GAP = {"resident_id": "63010219630512071X", "birth_date": "1963-05-12", "sex": "male"}
REGULAR = {"resident_id": "370202196603150134", "birth_date": "1966-03-15", "sex": "male"}


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def social(clock):
    department = SocialSecurity(InMemoryRegister(), today=lambda: TODAY, rules=RetirementRules.from_file())
    assert load_seed_file(department) > 0
    return Worklist(department, clock)


def command(inputs: dict, command_id: str = "c-1", action: str = "approve_retirement",
            due_in: dt.timedelta = dt.timedelta(days=5)) -> Command:
    return Command(command_id, "a-1", "retirement", "retirement_approval", action, dict(inputs), NOW + due_in, "p03")


def test_a_command_asking_for_an_officer_opens_one_case_and_a_repeat_gets_it_again(social):
    case = social.take(command(SPECIAL), by_officer=True, reasons=["special post type"])
    assert isinstance(case, Case) and case.state == CaseState.OPEN and case.reasons == ["special post type"]
    assert case.command.reply_to == "p03" and case.opened_at == NOW
    again = social.take(command(SPECIAL), by_officer=True, reasons=["special post type"])
    assert isinstance(again, Case) and again.case_id == case.case_id
    assert social.open_cases() == ([again], 1)
    assert social.department.decided("c-1") is None, "nothing is decided while the case waits"


def test_the_rules_decide_at_once_when_nobody_asks_for_an_officer(social):
    decision = social.take(command(REGULAR), by_officer=False)
    assert isinstance(decision, Decision) and decision.completed and decision.decided_by == ""
    assert social.open_cases() == ([], 0)


def test_the_department_escalates_a_gap_in_the_contribution_record_whatever_the_command_says(social):
    case = social.take(command(GAP), by_officer=False)
    assert isinstance(case, Case)
    assert case.reasons == ["a gap in the contribution record from 2003-07 to 2005-12 (缴费记录中断)"]
    both = social.take(command(GAP, "c-2"), by_officer=True, reasons=["the bundle's"])
    assert both.reasons == ["the bundle's", "a gap in the contribution record from 2003-07 to 2005-12 (缴费记录中断)"]


def test_inputs_the_rules_refuse_escalate_nothing(social):
    decision = social.take(command({**GAP, "resident_id": "not an id"}), by_officer=False)
    assert isinstance(decision, Decision) and not decision.completed


def test_an_approval_is_the_rules_decision_with_the_officer_recorded(social, clock):
    social.take(command(SPECIAL), by_officer=True)
    claimed, newly = social.claim("c-1", "ss-0042")
    assert newly and claimed.state == CaseState.CLAIMED and claimed.claimed_by == "ss-0042"
    assert social.claim("c-1", "ss-0042")[1] is False, "claiming one's own case again changes nothing"
    clock.now += dt.timedelta(hours=2)
    decided = social.approve("c-1", "ss-0042")
    assert decided.state == CaseState.DECIDED and decided.decided_at == clock.now
    # Special post type, a man born 1968-10-01: 55, before the reform.
    assert decided.decision.completed and decided.decision.outputs["retirement_date"] == "2023-10-01"
    assert decided.decision.decided_by == "ss-0042"
    repeated = social.take(command(SPECIAL), by_officer=True)
    assert repeated == decided.decision, "a repeated command (a chase) gets the officer's decision"
    assert social.open_cases() == ([], 0)


def test_an_approval_the_rules_refuse_is_still_a_refusal(social):
    # 陈志强, born 1980: even a special post type retires at 55, in 2035.
    social.take(command({**SPECIAL, "resident_id": "34052419800101001X", "birth_date": "1980-01-01"}),
                by_officer=True)
    decided = social.approve("c-1", "ss-0042")
    assert not decided.decision.completed and decided.decision.decided_by == "ss-0042"
    assert "below the statutory retirement age: male_special" in decided.decision.reason


def test_a_rejection_carries_the_officers_reason_and_changes_nothing_in_the_register(social):
    social.take(command(SPECIAL), by_officer=True)
    decided = social.reject("c-1", "ss-0042", "特殊工种年限不足十年")
    assert decided.decision == Decision(False, {}, "特殊工种年限不足十年", decided_by="ss-0042")
    assert "retired_on" not in social.register.get("contribution_record", SPECIAL["resident_id"])
    with pytest.raises(CaseRefused, match="already decided"):
        social.approve("c-1", "ss-0042")


def test_a_return_names_inputs_of_the_case_each_with_its_reason(social):
    social.take(command(SPECIAL), by_officer=True)
    with pytest.raises(BadCaseRequest) as err:
        social.return_for_correction("c-1", "ss-0042", {"shoe_size": "?"})
    assert err.value.field == "reasons.shoe_size"
    returned = social.return_for_correction("c-1", "ss-0042", {"post_type": "附特殊工种审批表"})
    assert returned.state == CaseState.RETURNED
    assert returned.decision.returned == {"post_type": "附特殊工种审批表"} and not returned.decision.completed
    assert social.take(command(SPECIAL), by_officer=True).returned == {"post_type": "附特殊工种审批表"}


def test_a_case_claimed_by_another_officer_is_theirs_and_an_unknown_one_is_not_found(social):
    social.take(command(SPECIAL), by_officer=True)
    social.claim("c-1", "ss-0001")
    for act in (lambda: social.claim("c-1", "ss-0002"), lambda: social.approve("c-1", "ss-0002"),
                lambda: social.reject("c-1", "ss-0002", "no"),
                lambda: social.return_for_correction("c-1", "ss-0002", {"post_type": "?"})):
        with pytest.raises(CaseRefused, match="claimed by another officer"):
            act()
    with pytest.raises(CaseNotFound):
        social.claim("c-404", "ss-0001")


def test_an_unclaimed_case_is_claimed_by_the_officer_who_decides_it(social):
    social.take(command(SPECIAL), by_officer=True)
    decided = social.reject("c-1", "ss-0003", "材料不全")
    assert decided.claimed_by == "ss-0003" and decided.decided_by == "ss-0003"


def test_the_list_shows_overdue_cases_first_then_the_oldest(social, clock):
    social.take(command(SPECIAL, "late", due_in=dt.timedelta(hours=1)), by_officer=True)
    clock.now += dt.timedelta(minutes=1)
    social.take(command(SPECIAL, "early"), by_officer=True)
    clock.now += dt.timedelta(minutes=1)
    social.take(command(SPECIAL, "third"), by_officer=True)
    assert [c.case_id for c in social.open_cases()[0]] == ["late", "early", "third"]
    clock.now += dt.timedelta(hours=2)
    social.take(command(SPECIAL, "fourth", due_in=dt.timedelta(minutes=1)), by_officer=True)
    clock.now += dt.timedelta(minutes=2)
    cases, total = social.open_cases(limit=2, offset=1)
    assert total == 4 and [c.case_id for c in cases] == ["fourth", "early"]


def test_a_case_is_kept_as_the_register_keeps_records_and_read_back_whole(social):
    social.take(command(SPECIAL), by_officer=True, reasons=["r"])
    social.return_for_correction("c-1", "ss-1", {"post_type": "?"})
    record = social.register.get("case", "c-1")
    assert Case.of_record(record) == social.get("c-1")


def test_decide_answers_progress_for_a_case_and_the_result_once_decided():
    market = Worklist(MarketRegulation(InMemoryRegister(), today=lambda: TODAY))
    load_seed_file(market.department)
    message = steps_pb2.StepCommand(
        command_id="c-9", application_id="a-9", bundle="startup", step="business_registration",
        department="market_regulation", action="register_business", review=steps_pb2.StepCommand.OFFICER,
        review_reasons=["restricted words"],
        inputs={"company_name": "青岛国际海洋有限公司", "company_type": "limited_company",
                "legal_rep_id": "370202199205140022", "legal_rep_name": "李秀英", "registered_address": "青岛",
                "area_code": "370202", "registered_capital": "100000"})
    progress = decide(market.department, message.SerializeToString(), reply_to="p07")
    assert isinstance(progress, steps_pb2.StepProgress) and progress.state == steps_pb2.StepProgress.WITH_OFFICER
    assert list(progress.reasons) == ["restricted words"] and progress.officer == ""
    assert market.get("c-9").command.reply_to == "p07"
    market.approve("c-9", "mr-0007")
    result = decide(market.department, message.SerializeToString(), reply_to="p07")
    assert isinstance(result, steps_pb2.StepResult) and result.outcome == steps_pb2.StepResult.COMPLETED
    assert result.decided_by == "mr-0007" and result.outputs["credit_code"]


def test_a_decision_another_instance_recorded_at_the_same_moment_is_not_recorded_twice(social):
    social.take(command(SPECIAL), by_officer=True)
    social.department.record("c-1", "approve_retirement", Decision(False, {}, "by the other instance", "ss-9"))
    for decide_again in (lambda: social.reject("c-1", "ss-0042", "不予批准"), lambda: social.approve("c-1", "ss-0042")):
        with pytest.raises(CaseRefused, match="decided meanwhile"):
            decide_again()
    assert social.get("c-1").state == CaseState.OPEN, "nothing of a second decision was kept"
    assert social.department.decided("c-1").decided_by == "ss-9"
