Feature: Newborn bundle (出生一件事) — one application, every department does its part
  A mother fills in one combined form; the birth certificate, vaccination record, household
  registration, medical insurance and social security card all follow from it.

  Scenario: A mother applies once and every department does its part
    Given a registered mother 李秀英 with resident ID 370202199205140022
    And a newborn form for a new child
    When she submits the newborn bundle
    Then the application reaches COMPLETED
    And every step is COMPLETED:
      | step                   | department         |
      | birth_certificate      | health             |
      | vaccination_record     | health             |
      | household_registration | civil_registration |
      | medical_insurance      | medical_insurance  |
      | social_security_card   | social_security    |
    And the civil register lists the child in the mother's household with a resident ID carrying the child's birth date
    And medical insurance and social security hold the child's enrolment and card
