Feature: Newborn bundle refusals — a department's refusal ends the application with its reason

  Scenario: A mother unknown to the civil register is refused
    Given a newborn form for a new daughter of the unregistered mother 11010519920315002X
    When the newborn bundle is submitted
    Then the application reaches REJECTED
    And step household_registration is REJECTED with a reason mentioning "not in the civil register"
    And the steps end as follows:
      | step                 | department        | status    |
      | birth_certificate    | health            | COMPLETED |
      | medical_insurance    | medical_insurance | CANCELLED |
      | social_security_card | social_security   | CANCELLED |

  Scenario: The same child cannot be registered twice
    Given a newborn form for a new daughter of the registered mother 370202199205140022
    And the newborn bundle was submitted and completed once
    When the newborn bundle is submitted
    Then the application reaches REJECTED
    And step birth_certificate is REJECTED with a reason naming the first birth certificate

  Scenario Outline: A bad form is refused at the door and nothing starts
    Given a newborn form for a new daughter of the registered mother 370202199205140022
    And the form's <field> is "<value>"
    When the newborn bundle is submitted
    Then the submission is refused as INVALID_ARGUMENT naming form.<field>

    Examples:
      | field         | value              |
      | mother_id     | 37020219920514002X |
      | birth_date    | 2999-01-01         |
      | child_sex     | unknown            |
      | contact_phone | 12345              |
