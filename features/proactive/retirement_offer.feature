Feature: A person reaching the statutory retirement age is offered the retirement bundle
  Social security's scan finds who reaches the statutory age (the 2025 rules) and publishes it; the
  retirement bundle is offered to the person with their resident ID, birth date, sex and contribution
  years already known. They type a bank account and confirm.

  Scenario: A person reaching retirement age gets an offer, confirms with a bank account only, and completes
    Given social security's retirement scan runs
    Then 赵国栋, 37020319660508013X, finds the retirement bundle OFFERED, asked only for bank_account
    When he confirms it with bank account 6228480402564890074
    Then the offer reaches COMPLETED with 1 field typed
    And step retirement_approval set the retirement date 2026-10-08
    And he was told of the offer and of its results, in Chinese
