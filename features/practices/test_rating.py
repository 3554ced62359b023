from pytest_bdd import scenarios

scenarios("practices/rating.feature")
