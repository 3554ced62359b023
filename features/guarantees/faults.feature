Feature: Faults — retried when transient, dead-lettered when poisoned
  A fault (an exception in a department, a crash) is not a refusal: the command goes back to the
  department's queue after a pause that doubles each time, and a later delivery may succeed. A
  command that still fails at the queue's delivery limit is dead-lettered with its error attached,
  and its step fails on the application, which ends FAILED; nothing redelivers forever.

  Scenario: A transient fault is retried until the department answers
    Given a newborn form for a child named "重试宝宝"
    And the health department fails the first 2 deliveries of issue_birth_certificate for that child with "register database is locked"
    When the newborn bundle is submitted
    Then the application reaches COMPLETED
    And step birth_certificate was answered on delivery 3
    And the dead-letter queue holds nothing of the application

  Scenario: A poisoned command is dead-lettered with its error, and its step fails
    Given a newborn form for a child named "毒药宝宝"
    And the medical_insurance department fails every delivery of enrol_newborn for that child with "enrolment register schema mismatch"
    When the newborn bundle is submitted
    Then the application reaches FAILED
    And step medical_insurance is FAILED with a reason mentioning "enrolment register schema mismatch"
    And the application's reasons mention "dead-lettered"
    And the dead-letter queue holds the enrol_newborn command of the application, with the error "enrolment register schema mismatch" after 6 deliveries
