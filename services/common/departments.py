"""Which nameko service runs a department of the catalogue (lifeevents.endpoints.DEPARTMENTS): by
convention the class `<Department>Service` in `services/<department>/service.py`, e.g. health ->
services.health.service.HealthService. No eventlet here: tests check the convention too."""
from __future__ import annotations


def service_module(department: str) -> str:
    return f"services.{department}.service"


def service_class_name(department: str) -> str:
    return "".join(word.title() for word in department.split("_")) + "Service"
