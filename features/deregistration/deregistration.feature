Feature: Business deregistration (企业注销) — accounts closed in parallel, then the registration, then the seals
  The applicant gives the credit code; the company's name and legal representative are looked
  up in the market register rather than asked. Only that legal representative (or their agent)
  may apply.

  Scenario: A company opened through the startup bundle is deregistered
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    When the deregistration bundle is submitted
    And the front desk accepts it
    Then the application reaches COMPLETED
    And registration_cancellation started only after the four account steps, and seal_cancellation after it
    And the market register shows the company cancelled

  Scenario: Deregistration is refused while tax is unpaid
    Given a deregistration form for the seeded company 91110105900000022A of legal representative 11010519881102011X
    When the deregistration bundle is submitted
    And the front desk accepts it
    Then the application reaches REJECTED
    And step tax_clearance is REJECTED with a reason mentioning "tax is unpaid"
    And the steps end as follows:
      | step                      | department        | status    |
      | registration_cancellation | market_regulation | CANCELLED |
      | seal_cancellation         | seals             | CANCELLED |

  Scenario: A legal representative other than the one the market register holds is refused at the door
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    And the form's legal_rep_id is "370202199003070011"
    When the deregistration bundle is submitted
    Then the submission is refused as INVALID_ARGUMENT naming form.legal_rep_id

  Scenario Outline: A bad identifier is refused at the door
    Given a deregistration form for the seeded company 91370202900000014F of legal representative 370202199003070011
    And the form's <field> is "<value>"
    When the deregistration bundle is submitted
    Then the submission is refused as INVALID_ARGUMENT naming form.<field>

    Examples:
      | field        | value              |
      | credit_code  | 91370202900000014A |
      | credit_code  | 9137020290000001   |
      | legal_rep_id | 370202199003070012 |
