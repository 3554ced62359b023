Feature: Who may apply — the person the form names, or their agent, and nobody else
  Every call says who is calling with a signed token. A bundle names its principals: the mother or
  the father of a newborn, the person retiring, a company's legal representative as the market
  register knows them. Anyone else who submits the form is refused, told which field decides it,
  and nothing is kept — not even what the registers were asked.

  Scenario: Nobody submits anything without a token
    Given nobody is signed in
    And a newborn form of the mother 370202199205140022
    When they submit it
    Then they are refused as UNAUTHENTICATED
    And nothing was stored

  Scenario: A person applies for their own retirement
    Given 刘建军 is signed in as the citizen 370202196603150134
    And a retirement form for 370202196603150134 paying into 6228480402564890018
    When he submits it
    Then it is accepted and he can follow it

  Scenario: Nobody applies for someone else's retirement
    Given 刘芳 is signed in as the citizen 110105199108210223
    And a retirement form for 370202196603150134 paying into 6228480402564890099
    When she submits it
    Then she is refused as PERMISSION_DENIED naming form.resident_id
    And nothing was stored

  Scenario: A company's deregistration is its legal representative's, as the market register holds them
    Given 王建国 is signed in as the citizen 370202199003070011
    And a deregistration form for the company 91110105900000022A that leaves its legal representative out
    When he submits it
    Then he is refused as PERMISSION_DENIED naming form.legal_rep_id
    And nothing was stored
