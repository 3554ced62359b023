Feature: Retry — an operator sends a failed step again once its cause is repaired
  A step whose command was dead-lettered fails its application. Once the fault is repaired an
  operator retries the step with a reason; the retry is an event naming the operator.

  Scenario: Retrying a dead-lettered step completes the application
    Given a newborn form for a child named "修复宝宝"
    And the medical_insurance department fails every delivery of enrol_newborn for that child with "enrolment register offline"
    When the newborn bundle is submitted
    Then the application reaches FAILED
    When the fault is repaired and an operator retries medical_insurance because "enrolment register back online"
    Then the application is COMPLETED in the end
    And its history shows the retry by operator "operator" because "enrolment register back online"
