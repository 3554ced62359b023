"""The catalogue (bundles/departments.yaml) and the department domains agree on every action."""
from pathlib import Path

import pytest

from lifeevents.endpoints import DEPARTMENTS
from saga.adapters.bundle_files import load_catalogue
from services.civil_registration.domain import CivilRegistration
from services.health.domain import Health
from services.housing_fund.domain import HousingFund
from services.market_regulation.domain import MarketRegulation
from services.medical_insurance.domain import MedicalInsurance
from services.seals.domain import Seals
from services.social_security.domain import SocialSecurity
from services.tax.domain import Tax

CATALOGUE = load_catalogue(Path(__file__).resolve().parents[2] / "bundles" / "departments.yaml")
DOMAINS = {cls.name: cls for cls in (Health, CivilRegistration, MedicalInsurance, SocialSecurity, MarketRegulation,
                                     Seals, Tax, HousingFund)}


def test_every_department_has_a_domain_a_port_and_a_catalogue_entry():
    assert set(DOMAINS) == set(DEPARTMENTS) == set(CATALOGUE.departments)


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_the_domain_performs_exactly_the_catalogued_actions(name):
    domain = DOMAINS[name]
    assert set(domain.actions) == set(CATALOGUE.departments[name].actions)
    for action in domain.actions:
        assert callable(getattr(domain, action))
