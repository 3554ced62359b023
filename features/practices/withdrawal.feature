Feature: Withdrawal (撤回申请) — the applicant withdraws before the end, and what was done is undone
  A principal (or their agent) withdraws a running application with a reason. What has not started
  is cancelled, the steps in flight are waited for and their answers recorded, every completed step
  that declares an undo is undone, latest first, and the application ends WITHDRAWN. After the end
  a withdrawal is refused; nobody else may withdraw it.

  Scenario: A withdrawal waits for the step in flight, undoes what was done and ends WITHDRAWN
    Given the startup example form for a company nobody has registered yet
    And the tax department is down
    When the startup bundle is submitted
    And step seals is COMPLETED and step tax_registration is in flight
    And the applicant withdraws it: "我们决定在另一个城市开办公司"
    Then the application is COMPENSATING, waiting for step tax_registration
    When the tax department is back
    Then the application reaches WITHDRAWN
    And the steps end as follows:
      | step                  | department        | status      |
      | business_registration | market_regulation | COMPENSATED |
      | seals                 | seals             | COMPENSATED |
      | tax_registration      | tax               | COMPLETED   |
      | social_insurance      | social_security   | COMPENSATED |
      | medical_insurance     | medical_insurance | COMPENSATED |
      | housing_fund          | housing_fund      | COMPENSATED |
    And its reason is "withdrawn by the applicant: 我们决定在另一个城市开办公司"
    And withdrawing it again is refused as FAILED_PRECONDITION

  Scenario: Only the applicant withdraws, and a case with an officer is waited for
    Given the startup example form for a company nobody has registered yet
    And the company's name holds "国际"
    When the startup bundle is submitted
    Then step business_registration waits with an officer in market_regulation's worklist
    And another citizen withdrawing it is told NOT_FOUND
    And market_regulation's officer withdrawing it is told PERMISSION_DENIED
    And the applicant withdrawing it without a reason is told INVALID_ARGUMENT naming reason
    When the applicant withdraws it: "名称需要重新考虑"
    Then the application is COMPENSATING, waiting for step business_registration
    When market_regulation's officer mr-0011 rejects the case: "名称中使用“国际”须经国家市场监督管理总局核准"
    Then the application reaches WITHDRAWN
    And step business_registration was decided by mr-0011
