Feature: Newborn bundle refusals — a refusal ends the application with its reason
  A department's refusal stops the steps that depend on it; a form that is bad at the door
  is refused before anything starts.

  Scenario: A mother unknown to the civil register is refused
    Given a mother unknown to the civil register, 陈静, with resident ID 11010519920315002X
    And a newborn form for a new child
    When she submits the newborn bundle
    Then the application reaches REJECTED
    And step household_registration is REJECTED with a reason mentioning "not in the civil register"
    And the steps end as follows:
      | step                   | department         | status    |
      | birth_certificate      | health             | COMPLETED |
      | household_registration | civil_registration | REJECTED  |
      | medical_insurance      | medical_insurance  | CANCELLED |
      | social_security_card   | social_security    | CANCELLED |

  Scenario: The same child cannot be registered twice
    Given a registered mother 李秀英 with resident ID 370202199205140022
    And a newborn form for a new child
    And she has already submitted this form once and it COMPLETED
    When she submits the newborn bundle
    Then the application reaches REJECTED
    And step birth_certificate is REJECTED with a reason naming the first birth certificate
    And the steps end as follows:
      | step                   | department         | status    |
      | vaccination_record     | health             | CANCELLED |
      | household_registration | civil_registration | CANCELLED |
      | medical_insurance      | medical_insurance  | CANCELLED |
      | social_security_card   | social_security    | CANCELLED |
    And the civil register lists the child once in the mother's household

  Scenario Outline: A bad form is refused at the door and nothing starts
    Given a registered mother 李秀英 with resident ID 370202199205140022
    And a newborn form for a new child
    And the form's <field> is "<value>"
    When she submits the newborn bundle
    Then the form is refused at the door as INVALID_ARGUMENT naming form.<field> and no other field
    And no application was started

    Examples:
      | field         | value              |
      | mother_id     | 37020219920514002X |
      | birth_date    | 2999-01-01         |
      | child_sex     | unknown            |
      | contact_phone | 12345              |
