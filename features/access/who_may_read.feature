Feature: Who may read an application — its principals and their agent; an officer what their department does
  Anyone else is told there is no such application, as if it did not exist. An officer sees the
  steps of their own department, each with only the items it uses; the front desk sees the whole
  application. Operators read histories, with every personal item masked, only with a reason.

  Background:
    Given 李秀英 is signed in as the citizen 370202199205140022
    And a newborn form of the mother 370202199205140022
    And she has submitted it and it has completed

  Scenario: The mother reads her application; another citizen is told there is no such application
    Then 李秀英 can read it
    And the citizen 110105199108210223 is told it does not exist

  Scenario: A tax officer cannot read a newborn application; a health officer sees only the health steps
    Then a tax officer is told it does not exist
    And a health officer sees only the steps birth_certificate, vaccination_record, each with its inputs
    And a front desk officer sees every step

  Scenario: An operator reads an application's history only with a stated reason
    Then an operator asking for its history without a reason is refused as INVALID_ARGUMENT naming reason
    And an operator giving the reason "ticket 4711" reads its history with her resident ID masked
