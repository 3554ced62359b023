"""An officer's decision is a moment the applicant is told of (OFFICER_DECISION): who decided which
step and what, in the recipient's language, with the reason of a refusal; the department's own
decisions are not such a moment."""
from lifeevents.v1 import notifications_pb2
from saga.domain.notices import NoticeKind, notice_of
from saga.domain.review import OfficerReview
from tests.support.fakes import MOTHER
from tests.unit.test_notifications import sent
from tests.unit.test_officer_review import RESTRICTED, decided, registration

OFFICER_DECISION = notifications_pb2.Notification.OFFICER_DECISION


def test_an_officers_approval_is_told_with_who_decided_which_step(coordinator, wiring, bus):
    application_id = coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    coordinator.record_results([decided(registration(bus), "mr-0007")])
    [told] = [n for n in sent(wiring) if n.kind == OFFICER_DECISION]
    assert (told.recipient, told.language, told.application_id) == (MOTHER.subject, "zh", str(application_id))
    assert told.title == "企业开办一件事：企业设立登记已批准"
    assert told.body == "工作人员 mr-0007 对您企业开办一件事申请中的“企业设立登记”作出决定：批准。"
    assert dict(told.details) == {"step": "business_registration", "officer": "mr-0007", "outcome": "approved",
                                  "reason": ""}


def test_a_refusal_is_told_with_its_reason_in_english(coordinator, wiring, bus):
    coordinator.set_language("en", caller=MOTHER)
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    coordinator.record_results([decided(registration(bus), "mr-0008", completed=False, reason="名称须经核准")])
    [told] = [n for n in sent(wiring) if n.kind == OFFICER_DECISION]
    assert told.title == "Business startup: Business registration and licence rejected"
    assert "Officer mr-0008 decided" in told.body and told.body.endswith("rejected. Reason: 名称须经核准")


def test_the_rules_own_decision_is_no_officer_moment(coordinator, wiring, bus):
    """The relay reads the stored events back (under OfficerReview's topic) and finds the one moment."""
    coordinator.submit("startup", {**RESTRICTED, "company_name": "青岛海洋文化有限公司"}, caller=MOTHER)
    coordinator.record_results([decided(registration(bus), "")])
    assert not [n for n in sent(wiring) if n.kind == OFFICER_DECISION]
    coordinator.submit("startup", RESTRICTED, caller=MOTHER)
    coordinator.record_results([decided(registration(bus), "mr-0007")])
    assert [n.details["officer"] for n in sent(wiring) if n.kind == OFFICER_DECISION] == ["mr-0007"]
    assert OfficerReview.StepDecidedByOfficer in notice_of.registry and NoticeKind.OFFICER_DECISION
