"""Rating (saga/domain/rating.py): once the application has ended, each principal rates it once (five
levels, a comment, a level per department step if they wish); a rating of 不满意 or below opens a
follow-up that an operator closes with the rectification made. Before the end, twice, for a step
that is no department step, by anyone but a principal: refused."""
import pytest

from saga.domain.errors import (AlreadyRated, FollowUpClosed, FollowUpNotFound, InvalidRequest, NotVisible,
                                PermissionDenied, RatingRefused)
from saga.domain.rating import Rating, RatingLevel
from tests.support.fakes import AGENT, MOTHER, OPERATOR, STARTUP_FORM as STARTUP, STRANGER, officer

BAD, GOOD = RatingLevel.DISSATISFIED, RatingLevel.SATISFIED


def rejected(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    [registration] = bus.sent
    coordinator.record_result(application_id, registration.step, registration.command_id, False, {}, "name taken")
    return application_id


def test_the_levels_in_chinese_and_which_are_bad():
    assert [level.zh for level in RatingLevel] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [level.is_bad for level in RatingLevel] == [False, False, False, True, True]


def test_before_the_end_a_rating_is_refused(coordinator, bus):
    application_id = coordinator.submit("startup", STARTUP, caller=MOTHER)
    with pytest.raises(RatingRefused, match="IN_PROGRESS"):
        coordinator.rate(application_id, GOOD, "", {}, caller=MOTHER)
    assert coordinator.get_application(application_id).ratings == {}


def test_a_good_rating_opens_no_follow_up_and_a_second_is_refused(coordinator, bus):
    application_id = rejected(coordinator, bus)
    application, rating = coordinator.rate(application_id, GOOD, "quick", {"business_registration": GOOD},
                                           caller=MOTHER)
    assert rating.level == GOOD and rating.follow_up == "" and application.follow_ups == {}
    with pytest.raises(AlreadyRated):
        coordinator.rate(application_id, BAD, "changed my mind", {}, caller=MOTHER)
    assert coordinator.get_application(application_id).ratings[MOTHER.subject].level == GOOD


def test_a_bad_step_rating_opens_a_follow_up_that_an_operator_closes_once(coordinator, bus):
    application_id = rejected(coordinator, bus)
    _, rating = coordinator.rate(application_id, GOOD, "", {"business_registration": RatingLevel.VERY_DISSATISFIED},
                                 caller=MOTHER)
    assert rating.follow_up
    application, _ = coordinator.close_follow_up(application_id, rating.follow_up, "name rules explained", OPERATOR.subject)
    closed = application.follow_ups[rating.follow_up]
    assert (closed.closed_by, closed.rectification) == (OPERATOR.subject, "name rules explained")
    with pytest.raises(FollowUpClosed, match=OPERATOR.subject):
        coordinator.close_follow_up(application_id, rating.follow_up, "again", OPERATOR.subject)
    with pytest.raises(FollowUpNotFound):
        coordinator.close_follow_up(application_id, "no-such-follow-up", "x", OPERATOR.subject)


def test_a_rated_step_must_be_a_department_step(coordinator, bus):
    application_id = rejected(coordinator, bus)
    with pytest.raises(InvalidRequest) as refused:
        coordinator.rate(application_id, GOOD, "", {"no_such_step": BAD}, caller=MOTHER)
    assert refused.value.field == "steps"


def test_only_a_principal_rates(coordinator, bus):
    application_id = rejected(coordinator, bus)
    with pytest.raises(NotVisible):
        coordinator.rate(application_id, BAD, "", {}, caller=STRANGER)
    for other in (AGENT, officer("market_regulation"), OPERATOR):
        with pytest.raises(PermissionDenied):
            coordinator.rate(application_id, BAD, "", {}, caller=other)
    assert coordinator.get_application(application_id).ratings == {}


def test_rated_and_follow_up_closed_replay_from_the_stream(coordinator, bus):
    application_id = rejected(coordinator, bus)
    _, rating = coordinator.rate(application_id, BAD, "slow", {}, caller=MOTHER)
    coordinator.close_follow_up(application_id, rating.follow_up, "called back", OPERATOR.subject)
    history = coordinator.history(application_id)
    assert isinstance(history[-2], Rating.Rated) and isinstance(history[-1], Rating.FollowUpClosed)
    replayed = None
    for event in history:
        replayed = event.mutate(replayed)
    assert replayed.ratings[MOTHER.subject].comment == "slow"
    assert replayed.follow_ups[rating.follow_up].rectification == "called back"
    assert coordinator.get_application(application_id, version=history[-2].originator_version) \
        .follow_ups[rating.follow_up].closed_at is None


def test_follow_ups_and_the_rating_distribution_are_projected_and_overdue_after_15_days(wiring, coordinator, bus,
                                                                                          tick):
    queries = wiring.queries
    first = rejected(coordinator, bus)
    _, bad = coordinator.rate(first, RatingLevel.VERY_DISSATISFIED, "slow, call 13800138000",
                              {"business_registration": BAD}, caller=MOTHER)
    bus.sent.clear()
    second = rejected(coordinator, bus)
    coordinator.rate(second, GOOD, "", {"business_registration": GOOD}, caller=MOTHER)
    tick(days=14)
    [row], total = queries.follow_ups_listed("open")
    assert total == 1 and row["application_id"] == str(first) and not row["overdue"]
    assert row["steps"] == {"business_registration": "DISSATISFIED"}
    assert "13800138000" not in row["comment"]  # masked for the operators
    tick(days=1)
    assert [r["follow_up_id"] for r in queries.follow_ups_listed("overdue")[0]] == [bad.follow_up]
    [figures] = [b.ratings for b in queries.statistics("startup")]
    assert figures["ratings"] == {"VERY_DISSATISFIED": 1, "SATISFIED": 1}
    assert figures["department_ratings"] == {"market_regulation": {"DISSATISFIED": 1, "SATISFIED": 1}}
    assert (figures["follow_ups_open"], figures["follow_ups_overdue"], figures["rectification_rate"]) == (1, 1, 0.0)
    coordinator.close_follow_up(first, bad.follow_up, "apologised; the queue was staffed", OPERATOR.subject)
    tick(seconds=1)
    assert queries.follow_ups_listed("open") == ([], 0) and queries.follow_ups_listed("overdue") == ([], 0)
    [closed] = queries.follow_ups_listed("closed")[0]
    assert (closed["closed_by"], closed["overdue"]) == (OPERATOR.subject, False)
    [figures] = [b.ratings for b in queries.statistics("startup")]
    assert (figures["follow_ups_closed"], figures["follow_ups_overdue"], figures["rectification_rate"]) == (1, 0, 1.0)
    before = queries.follow_ups_listed()
    list(queries.rebuild())
    assert queries.follow_ups_listed() == before
