Feature: Replay — an admin sees any application as it was at any point of its stream
  The application is its event stream: replaying the first events gives the state it had then.
  Only an admin replays, with a stated reason, and sees every personal item masked.

  Scenario: A completed newborn application replayed to version 2
    Given a newborn form for a child named "回放宝宝"
    When the newborn bundle is submitted
    Then the application reaches COMPLETED
    When an admin replays it to version 2, stating a reason
    Then the replayed application is IN_PROGRESS with only birth_certificate DISPATCHED
    And replayed to its last version it is what Get reports, every personal item masked
