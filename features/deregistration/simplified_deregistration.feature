Feature: Simplified deregistration (简易注销) — a 20-day public notice; an objection stops it
  The notice period is a durable wait in the application's stream; time is moved forward in
  these scenarios rather than waited for.

  Scenario: With no objection in twenty days the company is deregistered
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    And the applicant accepts the no_debts commitment
    When the deregistration_simplified bundle is submitted
    Then step notice_period is WAITING until twenty days after the notice
    And no account is closed during the notice
    When twenty days pass
    Then the application reaches COMPLETED
    And the market register shows the company cancelled

  Scenario: An objection during the notice stops the deregistration
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    And the applicant accepts the no_debts commitment
    When the deregistration_simplified bundle is submitted
    And step notice_period is WAITING until twenty days after the notice
    And 青岛某供应商 objects in the role 债权人 that "货款 86,000 元未结清"
    Then the application reaches REJECTED
    And step notice_period is REJECTED with a reason mentioning "货款 86,000 元未结清"
    And its history records the objection by 青岛某供应商 in the role 债权人
    And the market register shows the company active

  Scenario: No objection is taken once the notice period is over
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    And the applicant accepts the no_debts commitment
    When the deregistration_simplified bundle is submitted
    And step notice_period is WAITING until twenty days after the notice
    And twenty days pass
    Then the application reaches COMPLETED
    And an objection now is refused as FAILED_PRECONDITION
