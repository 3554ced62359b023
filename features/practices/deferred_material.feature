Feature: Accept with a material missing (容缺受理)
  A secondary material may follow the application under the applicant's commitment to supply it by a
  date no later than the time limit of the steps that need it. Those steps wait; the others go
  ahead. Supplied in time, the application completes; not supplied, it is refused and what was done
  is undone.

  Scenario: A startup's premises proof supplied in time completes the startup
    Given the startup example form for a company nobody has registered yet
    And the applicant leaves out lease_contract_no, committing to supply it
    When the startup bundle is submitted
    Then step tax_registration waits for the promised lease_contract_no while every other step completes
    When 1 day passes on the coordinator's clock
    And the applicant supplies lease_contract_no "QD-ZL-2026-004518"
    Then the application reaches COMPLETED
    And step tax_registration was sent premises_proof_no "QD-ZL-2026-004518"

  Scenario: A premises proof not supplied by the date promised: refused, and what was done undone
    Given the startup example form for a company nobody has registered yet
    And the applicant leaves out lease_contract_no, committing to supply it
    When the startup bundle is submitted
    Then step tax_registration waits for the promised lease_contract_no while every other step completes
    When 2 days pass on the coordinator's clock
    Then the applicant is reminded that lease_contract_no is due
    When 2 days pass on the coordinator's clock
    Then the application reaches REJECTED
    And step tax_registration is FAILED with a reason mentioning "material not supplied by the date promised"
    And the steps end as follows:
      | step                  | department        | status      |
      | business_registration | market_regulation | COMPENSATED |
      | seals                 | seals             | COMPENSATED |
      | social_insurance      | social_security   | COMPENSATED |
      | medical_insurance     | medical_insurance | COMPENSATED |
      | housing_fund          | housing_fund      | COMPENSATED |
