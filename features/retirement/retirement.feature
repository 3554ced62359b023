Feature: Retirement (退休一件事) — the applicant gives an ID and a bank account; the rest is looked up
  Birth date and sex come from the civil register, the contribution record from social security;
  the statutory age follows the 2025 gradual-delay rules kept as data.

  Scenario: A woman in a managerial post past her delayed retirement age retires with one application
    Given a retirement form for 110105197102100462 with bank account 6228480402564890033
    When the retirement bundle is submitted
    Then the application reaches COMPLETED
    And her birth date, sex and contribution years were looked up, not asked
    And step retirement_approval set the retirement date 2026-06-10 and a monthly pension
    And the steps end as follows:
      | step                      | department        | status    |
      | pension_payment           | social_security   | COMPLETED |
      | retiree_medical_insurance | medical_insurance | COMPLETED |
      | housing_fund_withdrawal   | housing_fund      | COMPLETED |

  Scenario: A man below the statutory age is refused
    Given a retirement form for 34052419800101001X with bank account 6228480402564890041
    When the retirement bundle is submitted
    Then the application reaches REJECTED
    And step retirement_approval is REJECTED with a reason mentioning "retires on 2043-01-01"

  Scenario: Too few years of contributions for a monthly pension
    Given a retirement form for 630102196506010576 with bank account 6228480402564890058
    When the retirement bundle is submitted
    Then the application reaches REJECTED
    And step retirement_approval is REJECTED with a reason mentioning "needs 15"

  Scenario: A person who already draws a pension is refused
    Given a retirement form for 11010519491231002X with bank account 6228480402564890066
    When the retirement bundle is submitted
    Then the application reaches REJECTED
    And step retirement_approval is REJECTED with a reason mentioning "already draws a pension"
