from pytest_bdd import scenarios

scenarios("practices/withdrawal.feature")
