from pytest_bdd import scenarios

scenarios("practices/commitment.feature")
