Feature: A birth a hospital records offers the newborn bundle to the mother (无感审批, proactive service)
  The hospital knows the mother, the day, the sex and the hospital; the civil register knows her name,
  the father in her household and their address. She types the child's name and a phone number, and
  confirms: the five departmental steps run as for a submitted form.

  Scenario: The mother finds the offer filled in, confirms with two fields, and all five results arrive
    Given a hospital records the birth of a girl to 李秀英, 370202199205140022
    When she looks at her applications
    Then she finds the newborn bundle OFFERED, asked only for child_name and contact_phone
    And what is known came from the hospital's record and the civil register:
      | field           | kind     | source                          |
      | mother_id       | event    | health.birth_recorded           |
      | birth_date      | event    | health.birth_recorded           |
      | child_sex       | event    | health.birth_recorded           |
      | birth_hospital  | event    | health.birth_recorded           |
      | mother_name     | register | civil_registration.person       |
      | father_id       | register | civil_registration.spouse_of    |
      | father_name     | register | civil_registration.spouse_of    |
      | mailing_address | register | civil_registration.household_of |
    When she confirms it with the child's name and a phone number
    Then the offer reaches COMPLETED with 2 fields typed
    And every step is COMPLETED with its result:
      | step                   | department         | result                |
      | birth_certificate      | health             | birth_certificate_no  |
      | vaccination_record     | health             | vaccination_record_no |
      | household_registration | civil_registration | child_id              |
      | medical_insurance      | medical_insurance  | insured_no            |
      | social_security_card   | social_security    | card_no               |
    And she was told of the offer and of its results, in Chinese

  Scenario: A birth_recorded delivered again makes no second offer
    Given a hospital records the birth of a boy to 李秀英, 370202199205140022
    And she has the offer of that birth
    When the birth_recorded event is delivered to the coordinator again
    And the hospital records the same birth again
    Then she still has exactly one offer of that birth

  Scenario: The father cannot confirm an offer made to the mother
    Given a hospital records the birth of a girl to 李秀英, 370202199205140022
    And she has the offer of that birth
    When the father 王建国, 370202199003070011, tries to confirm it
    Then he is answered NOT_FOUND and the offer is still OFFERED, unchanged
    And he sees no offer among his applications

  Scenario: An offer not confirmed is reminded halfway and expires
    Given a hospital records the birth of a boy to 李秀英, 370202199205140022
    And she has the offer of that birth
    When 15 days pass on the coordinator's clock
    Then she was reminded of the offer
    When 15 more days pass on the coordinator's clock
    Then the offer is EXPIRED and she was told so
    And confirming it now is refused as FAILED_PRECONDITION

  Scenario: The health department killed between recording the birth and publishing it still offers it once
    Given the health department's event relay is held by a fault rule
    And a hospital records the birth of a girl to 李秀英, 370202199205140022
    When the health department is killed -9 with the event recorded and not published
    And it starts again without the rule
    Then she has the offer of that birth
    And she still has exactly one offer of that birth
