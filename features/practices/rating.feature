Feature: Rating (好差评) — every ended case is rated, and a bad rating is followed up
  Once an application has ended, each of its principals is invited to rate it and may rate it once:
  five levels for the bundle, a comment, a level per department step if they wish. A rating of 不满意
  or below opens a follow-up; an operator closes it with the rectification made; one open past 15
  days is overdue. The statistics show the distribution and the follow-ups.

  Scenario: A bad rating opens a follow-up that an operator closes, and the statistics show it
    Given the startup example form for a company nobody has registered yet
    And the startup statistics as they stand
    When the startup bundle is submitted
    Then the application reaches COMPLETED
    And the applicant was invited to rate it
    When the applicant rates it DISSATISFIED: "窗口排队太久", with step seals VERY_DISSATISFIED
    Then a follow-up of the application is open for operators, not overdue
    And rating it again is refused as ALREADY_EXISTS
    And a citizen listing follow-ups is told PERMISSION_DENIED
    When 16 days pass on the coordinator's clock
    Then the follow-up is listed overdue
    When the operator closes the follow-up with the command line: "增开窗口并电话回访，已致歉"
    Then the follow-up is closed by the operator with that rectification
    And closing it again is refused as FAILED_PRECONDITION
    And the startup statistics count one more DISSATISFIED rating, seals' VERY_DISSATISFIED and a closed follow-up
    And the command line's statistics show the ratings and the follow-ups

  Scenario: A case not yet ended cannot be rated, and only its principal rates it
    Given the startup example form for a company nobody has registered yet
    And the company's name holds "国际"
    When the startup bundle is submitted
    Then step business_registration waits with an officer in market_regulation's worklist
    And the applicant rating it is told FAILED_PRECONDITION
    And the applicant rating it with no level is told INVALID_ARGUMENT naming level
    And another citizen rating it is told NOT_FOUND
    And market_regulation's officer rating it is told PERMISSION_DENIED
