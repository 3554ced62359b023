Feature: Officers' review beside instant approval (后台审批 / 秒批)
  A step whose case needs a person goes to an officer of its department instead of being decided
  at once. The officer decides it from the department's worklist with their own identity; the
  applicant sees the step with an officer, and the decision with who made it (and why, if refused).

  Scenario: An officer approves an early retirement for a special post type
    Given a retirement form for 370203196906150517 with bank account 6228480402564890133 and post type special
    When the retirement bundle is submitted
    Then step retirement_approval waits with an officer in social_security's worklist
    When social_security's officer ss-0042 claims the case and approves it
    Then the application reaches COMPLETED
    And step retirement_approval was decided by ss-0042, retiring on 2024-06-15
    And the applicant's data-access log shows that ss-0042 of social_security opened the case

  Scenario: An officer rejects a company name with restricted words, and the applicant sees why
    Given the startup example form for a company nobody has registered yet
    And the company's name holds "国际"
    When the startup bundle is submitted
    Then step business_registration waits with an officer in market_regulation's worklist
    When market_regulation's officer mr-0007 rejects the case: "名称中使用“国际”须经国家市场监督管理总局核准"
    Then the application reaches REJECTED
    And step business_registration is REJECTED with a reason mentioning "须经国家市场监督管理总局核准"
    And step business_registration was decided by mr-0007

  Scenario: A gap in the contribution record goes to an officer although the bundle does not ask for one
    Given a retirement form for 63010219630512071X with bank account 6228480402564890141 and post type production
    When the retirement bundle is submitted
    Then step retirement_approval waits with an officer in social_security's worklist, because of "a gap in the contribution record from 2003-07 to 2005-12"
    When social_security's officer ss-0007 claims the case and approves it
    Then the application reaches COMPLETED
    And step retirement_approval was decided by ss-0007, retiring on 2023-05-12

  Scenario: A plain company name is registered at once, with no officer
    Given the startup example form for a company nobody has registered yet
    When the startup bundle is submitted
    Then the application reaches COMPLETED
    And no officer decided step business_registration
