Feature: Time limits — a step past its promised limit is flagged, and nothing waits forever for a reply
  Each step declares its time limit (办理时限). An unanswered command is re-sent with the same id
  (departments perform it once); once the limit has run out the step is flagged overdue, which
  the applicant and operators see in Get.

  Scenario: A department that is down past the time limit is flagged, and completes once it is back
    Given a newborn form for a child named "迟到宝宝"
    And the medical_insurance department is down
    When the newborn bundle is submitted
    And step medical_insurance has been sent
    And a day and a minute pass on the coordinator's clock
    Then step medical_insurance is flagged overdue, its command sent more than once
    When the medical_insurance department is back
    Then the application reaches COMPLETED
    And step medical_insurance is COMPLETED and still shows it was overdue
