"""The departments of the suite and where each one's gRPC query API listens.

The one list of departments is the catalogue, `bundles/departments.yaml` (or the file named by
LIFEEVENTS_CATALOGUE, as for the coordinator): its departments, in its order, each on the
`grpc_port` it declares there, at 127.0.0.1. LIFEEVENTS_<DEPARTMENT>_GRPC_PORT moves one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parents[1] / "bundles" / "departments.yaml"


class CatalogueError(ValueError):
    """The catalogue does not say which departments there are or where they listen."""


def catalogue_ports(path: Path) -> dict[str, int]:
    """Each department of the catalogue at `path` and the gRPC port it declares, in catalogue order."""
    departments = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("departments") or {}
    ports = {}
    for name, entry in departments.items():
        if not isinstance((entry or {}).get("grpc_port"), int):
            raise CatalogueError(f"{path}: departments.{name}.grpc_port: a port number is required")
        ports[name] = entry["grpc_port"]
    if len(set(ports.values())) != len(ports):
        raise CatalogueError(f"{path}: two departments declare the same grpc_port")
    return ports


DEFAULT_GRPC_PORTS = catalogue_ports(Path(os.environ.get("LIFEEVENTS_CATALOGUE") or CATALOGUE_FILE))
# Every department of the suite, in the catalogue's order.
DEPARTMENTS = tuple(DEFAULT_GRPC_PORTS)


def port_variable(department: str) -> str:
    return f"LIFEEVENTS_{department.upper()}_GRPC_PORT"


def grpc_port(department: str, environ: Mapping[str, str] = os.environ) -> int:
    return int(environ.get(port_variable(department)) or DEFAULT_GRPC_PORTS[department])


def address_variable(department: str) -> str:
    return f"LIFEEVENTS_{department.upper()}_GRPC_ADDRESS"


def grpc_address(department: str, environ: Mapping[str, str] = os.environ) -> str:
    """Where a client reaches the department's query API: LIFEEVENTS_<DEPARTMENT>_GRPC_ADDRESS (host:port,
    or several separated by commas for the instances of a department: a gRPC target the client
    balances over), else 127.0.0.1 at its port."""
    addresses = [a.strip() for a in (environ.get(address_variable(department)) or "").split(",") if a.strip()]
    if len(addresses) > 1:
        return "ipv4:" + ",".join(addresses)
    return addresses[0] if addresses else f"127.0.0.1:{grpc_port(department, environ)}"
