"""Where each department's gRPC query API listens: 127.0.0.1 and a fixed default port,
overridden by LIFEEVENTS_<DEPARTMENT>_GRPC_PORT."""
from __future__ import annotations

import os

DEFAULT_GRPC_PORTS = {
    "health": 50061,
    "civil_registration": 50062,
    "medical_insurance": 50063,
    "social_security": 50064,
    "market_regulation": 50065,
    "seals": 50066,
    "tax": 50067,
    "housing_fund": 50068,
}
# Every department of the suite, in a stable order.
DEPARTMENTS = tuple(DEFAULT_GRPC_PORTS)


def port_variable(department: str) -> str:
    return f"LIFEEVENTS_{department.upper()}_GRPC_PORT"


def grpc_port(department: str) -> int:
    return int(os.environ.get(port_variable(department)) or DEFAULT_GRPC_PORTS[department])


def grpc_address(department: str) -> str:
    return f"127.0.0.1:{grpc_port(department)}"
