Feature: Front desk acceptance and correction (前台受理、补正)
  An ordinary deregistration is accepted at the one window before any account is closed. The front
  desk may return it for correction with a reason per field; the applicant corrects it and it comes
  back to the queue. The time it spends with the applicant does not count: its due date moves by
  that time.

  Scenario: Returned with a reason per field, corrected, accepted, and the time limit paused
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    When the deregistration bundle is submitted
    Then the application waits in the front desk's queue and no step has started
    When the front desk returns it: reason "请核对注销原因：股东会已作出解散决议"
    Then the applicant sees it RETURNED with the reason for reason, and was told so
    When 3 days pass on the coordinator's clock
    And the applicant corrects reason to "shareholders_resolution"
    Then the application is back in the front desk's queue, due 72 hours later than first promised
    When the front desk accepts it
    Then the application reaches COMPLETED
    And the front desk's opening of the case is in the applicant's data-access log

  Scenario: Only the front desk's officers see the queue and accept
    Given a deregistration form for the seeded company 91370202900000014F of legal representative 370202199003070011
    When the deregistration bundle is submitted
    Then a tax officer and the applicant are refused the queue and the acceptance as PERMISSION_DENIED
    And another citizen's correction is refused as NOT_FOUND
    When the front desk accepts it
    Then accepting it again is refused as FAILED_PRECONDITION
