Feature: Newborn bundle (出生一件事) — one application, every department does its part
  A mother fills in one combined form; the birth certificate, vaccination record, household
  registration, medical insurance and social security card all follow from it.

  Scenario: A registered mother applies once and the bundle completes
    Given a newborn form for a new daughter of the registered mother 370202199205140022
    When the newborn bundle is submitted
    Then the application reaches COMPLETED
    And the steps end as follows:
      | step                   | department         | status    |
      | birth_certificate      | health             | COMPLETED |
      | vaccination_record     | health             | COMPLETED |
      | household_registration | civil_registration | COMPLETED |
      | medical_insurance      | medical_insurance  | COMPLETED |
      | social_security_card   | social_security    | COMPLETED |
    And the civil register lists the child in the mother's household with a resident ID of her birth date
    And medical insurance and social security hold the child's enrolment and card
