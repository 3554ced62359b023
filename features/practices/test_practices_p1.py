from pytest_bdd import scenarios

scenarios("practices/deferred_material.feature")
scenarios("practices/front_desk.feature")
