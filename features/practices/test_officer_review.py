from pytest_bdd import scenarios

scenarios("practices/officer_review.feature")
