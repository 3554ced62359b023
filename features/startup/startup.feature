Feature: Business startup (企业开办) — registration first, then five departments in parallel
  Registration issues the unified social credit code; seals, tax, social insurance, medical
  insurance and the housing fund all start from it at once.

  Scenario: A new company is opened with one application
    Given the startup example form for a company nobody has registered yet
    When the startup bundle is submitted
    Then the application reaches COMPLETED
    And step business_registration issued a valid unified social credit code
    And every other step received that code and started after it
    And the seals were engraved free of charge

  Scenario: A legal representative barred from office is refused before anything starts
    Given the startup example form for a company nobody has registered yet
    And the form's legal_rep_id is "34052419800101001X"
    When the startup bundle is submitted
    Then the application reaches REJECTED
    And step business_registration is REJECTED with a reason mentioning "barred"
    And the steps end as follows:
      | step             | department        | status    |
      | seals            | seals             | CANCELLED |
      | tax_registration | tax               | CANCELLED |
      | housing_fund     | housing_fund      | CANCELLED |

  Scenario: A company name already taken in the district is refused
    Given the startup example form for a company nobody has registered yet
    And the form's company_name is "北京朝阳恒信贸易有限公司"
    And the form's area_code is "110105"
    When the startup bundle is submitted
    Then the application reaches REJECTED
    And step business_registration is REJECTED with a reason mentioning "already registered"
