Feature: Delegation (帮办代办) — an agent acts for a citizen on one bundle while the delegation holds
  A citizen grants an agent of a service centre the right to submit and follow one bundle's
  applications for them, until a date; the application records both. Revoked, the right is gone.

  Scenario: An agent is refused without a delegation, served with one, and refused again after its revocation
    Given 李秀英 is signed in as the citizen 370202199205140022
    And 韩梅 is signed in as the agent 63010219930930048X
    And a newborn form of the mother 370202199205140022
    When the agent submits it
    Then the agent is refused as PERMISSION_DENIED naming form.mother_id
    When 李秀英 grants the agent the newborn bundle for 30 days
    And the agent submits it
    Then it is accepted and the agent can follow it
    And both find it among their applications, 李秀英 as principal and the agent as agent
    When 李秀英 revokes the agent's newborn delegation
    Then the agent is told it does not exist
