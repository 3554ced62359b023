"""Run one department: `python -m services <department>`.

eventlet patches the process before anything imports socket or threading; this
process never creates a grpcio channel or server (nameko-grpc speaks h2 itself).
"""
import eventlet

eventlet.monkey_patch()

import importlib  # noqa: E402
import sys  # noqa: E402

from services.common.runner import run  # noqa: E402

SERVICES = {
    "health": "services.health.service:HealthService",
    "civil_registration": "services.civil_registration.service:CivilRegistrationService",
    "medical_insurance": "services.medical_insurance.service:MedicalInsuranceService",
    "social_security": "services.social_security.service:SocialSecurityService",
    "market_regulation": "services.market_regulation.service:MarketRegulationService",
    "seals": "services.seals.service:SealsService",
    "tax": "services.tax.service:TaxService",
    "housing_fund": "services.housing_fund.service:HousingFundService",
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SERVICES:
        sys.exit(f"usage: python -m services {{{'|'.join(SERVICES)}}}")
    module, _, cls = SERVICES[sys.argv[1]].partition(":")
    run(getattr(importlib.import_module(module), cls), sys.argv[1])
