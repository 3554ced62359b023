Feature: Compensation — a refusal undoes what was already done, latest first, before the application ends
  A department's refusal is an answer, not a fault: every completed step that declares a
  compensation is undone in reverse dependency order, each undo recorded, then REJECTED.

  Scenario: A startup refused by tax after registration withdraws the registration and cancels the seals
    Given the startup example form for a company nobody has registered yet
    And the form's legal_rep_id is "11010519881102011X"
    When the startup bundle is submitted
    Then the application reaches REJECTED
    And step tax_registration is REJECTED with a reason mentioning "owes 18600 yuan of tax"
    And the steps end as follows:
      | step                  | department        | status      |
      | business_registration | market_regulation | COMPENSATED |
      | seals                 | seals             | COMPENSATED |
      | social_insurance      | social_security   | COMPENSATED |
      | medical_insurance     | medical_insurance | COMPENSATED |
      | housing_fund          | housing_fund      | COMPENSATED |
    And the seals were undone before the registration
    And the market register shows the new company withdrawn

  Scenario: A deregistration refused for unpaid tax reopens the accounts it closed
    Given a deregistration form for the seeded company 91110105900000022A of legal representative 11010519881102011X
    When the deregistration bundle is submitted
    And the front desk accepts it
    Then the application reaches REJECTED
    And the steps end as follows:
      | step                      | department        | status      |
      | tax_clearance             | tax               | REJECTED    |
      | social_insurance_closing  | social_security   | COMPENSATED |
      | medical_insurance_closing | medical_insurance | COMPENSATED |
      | housing_fund_closing      | housing_fund      | COMPENSATED |
      | registration_cancellation | market_regulation | CANCELLED   |
