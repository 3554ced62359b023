Feature: Rebuild — the read side is thrown away and rebuilt from the log
  The operators' views (applications by status, pending steps, statistics) are projections of
  the event log; wiping them loses nothing, as a rebuild gives the same views.

  Scenario: Wiping the read side and rebuilding gives identical views
    Given applications of two bundles have been handled
    And an operator has noted the application listing and the statistics
    When the read side is wiped
    Then the listing no longer shows them
    When an admin rebuilds the projections
    Then the listing and the statistics are identical to the noted ones
