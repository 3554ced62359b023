Feature: A commitment instead of a proof (告知承诺) — verified later; a false one revokes the case
  In a simplified deregistration all investors commit that the company has no debts instead of
  presenting a liquidation report. The steps go ahead; thirty days after the submission market
  regulation checks the claims creditors registered. Time is moved forward, not waited for.

  Scenario: A broken commitment revokes a completed simplified deregistration, and the next one is refused
    Given a deregistration form for the seeded company 91510104900000049E of legal representative 510104198503210737
    And the applicant accepts the no_debts commitment
    When the deregistration_simplified bundle is submitted
    And the notice period of twenty days passes
    Then the application reaches COMPLETED
    And the market register shows company 91510104900000049E cancelled
    When thirty days have passed since the submission
    Then commitment no_debts is BROKEN with a finding mentioning "unpaid claim"
    And the application is REVOKED with a reason mentioning "commitment no_debts found false by market_regulation"
    And step registration_cancellation is now COMPENSATED
    And the market register shows company 91510104900000049E active
    And the application's events as Watch streams them include CommitmentMade, CommitmentBroken and Revoked
    And the statistics of deregistration_simplified count it REVOKED
    When the company applies for simplified deregistration again
    Then the application reaches REJECTED
    And step public_notice is REJECTED with a reason mentioning "broke its commitment no_debts"

  Scenario: A kept commitment is verified and the deregistration stays completed
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    And the applicant accepts the no_debts commitment
    When the deregistration_simplified bundle is submitted
    And the notice period of twenty days passes
    Then the application reaches COMPLETED
    When thirty days have passed since the submission
    Then commitment no_debts is VERIFIED with a finding mentioning "no claim"
    And the application is still COMPLETED

  Scenario: A form that does not accept the commitment is refused naming it
    Given a deregistration form for the seeded company 91370202900000014F of legal representative 370202199003070011
    When the deregistration_simplified bundle is submitted
    Then the submission is refused as INVALID_ARGUMENT naming form.commitment.no_debts

  Scenario: Only an officer of the verifying department records a finding
    Given a company opened through the startup bundle
    And a deregistration form for that company giving only its code, its legal representative and a reason
    And the applicant accepts the no_debts commitment
    When the deregistration_simplified bundle is submitted
    Then a finding on no_debts by an officer of tax is refused as PERMISSION_DENIED naming commitment
    And a finding on no_debts by the applicant is refused as PERMISSION_DENIED
    When an officer of market_regulation finds no_debts false: "a creditor's claim of 9000 yuan, court ruling"
    Then the application is REVOKED with a reason mentioning "found false by officer"
    And a finding on no_debts by an officer of market_regulation is refused as FAILED_PRECONDITION naming commitment
