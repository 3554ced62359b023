from pytest_bdd import scenarios

scenarios("proactive")
