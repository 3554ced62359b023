Feature: The data-access log — a citizen sees every read of their data by someone else
  A register asked for materials reuse, an officer opening the case, an operator's history: each
  read of a person's data by someone else is an entry of their log, and so is each refused
  attempt. Entries are chained by their hashes; a citizen lists their own, nobody else's.

  Scenario: The mother sees the civil register lookup made for her application, and who else looked
    Given 李秀英 is signed in as the citizen 370202199205140022
    And a newborn form of the mother 370202199205140022 leaving her name and the mailing address out
    And she has submitted it and it has completed
    When a civil registration officer opens it
    And the citizen 110105199108210223 tries to read it
    Then her data-access log lists for it the civil registration lookups of name and address, on her behalf
    And the civil registration officer's reading
    And the refused attempt of 110105199108210223
    And the citizen 110105199108210223 finds none of these entries in their own log
