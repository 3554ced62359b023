"""Fakes for the coordinator's ports, the shipped bundles, and the people who call, for tests that need no
broker."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from lifeevents.callers import Principal, Role
from lifeevents.identifiers import parse_resident_id
from saga.adapters.bundle_files import load_bundles, load_catalogue
from saga.adapters.leases import Leases
from saga.domain.ports import CommandBus, RegisterLookups

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)
# A startup form the shipped bundle accepts (the legal representative's name entered, not looked up).
STARTUP_FORM = {"company_name": "青岛栈桥文化传媒有限公司", "company_type": "limited_company", "area_code": "370202",
                "registered_address": "青岛", "registered_capital": "300000", "legal_rep_id": "370202199205140022",
                "legal_rep_name": "李秀英", "lease_contract_no": "QD-ZL-2026-001873"}


def shipped_catalogue():
    return load_catalogue(ROOT / "bundles" / "departments.yaml")


def shipped_bundles():
    return load_bundles(ROOT / "bundles", shipped_catalogue())


class RecordingBus(CommandBus):
    """Keeps every command it is asked to send; fails the first `failures` sends, as a broker outage would."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.sent = []

    def send(self, dispatches):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker unreachable")
        self.sent.extend(dispatches)


class SteppingClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: dt.datetime = START):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


class LeaseServer:
    """What a database does for leases, in memory: who holds what; a session that dies frees its own."""

    def __init__(self):
        self.holders: dict[str, "FakeLeases"] = {}

    def session(self) -> "FakeLeases":
        return FakeLeases(self)


class FakeLeases(Leases):
    """One instance's session with a LeaseServer (the Leases port)."""

    def __init__(self, server: LeaseServer):
        self.server, self.lost = server, False

    def acquire(self, name):
        holder = self.server.holders.setdefault(name, self)
        return holder is self

    def release(self, name):
        if self.server.holders.get(name) is self:
            del self.server.holders[name]

    def members(self):
        return sum(1 for name in self.server.holders if name.startswith("member:"))

    def held(self) -> set[str]:
        return {name for name, holder in self.server.holders.items() if holder is self}

    def alive(self):
        return not self.lost

    def close(self):
        for name in self.held():
            self.release(name)

    def die(self):
        """The process is killed: the database ends its session and frees every lease at once."""
        self.close()
        self.lost = True


# -- who calls -----------------------------------------------------------------------------------
# 李秀英: the newborn forms' mother, and STARTUP_FORM's legal representative.
MOTHER = Principal("370202199205140022", Role.CITIZEN, name="李秀英")
XINING_LEGAL_REP = Principal("630102198702110354", Role.CITIZEN)  # legal representative of 91630102900000030K
STRANGER = Principal("110105199108210223", Role.CITIZEN)  # 刘芳, named on none of the forms here
AGENT = Principal("63010219930930048X", Role.AGENT)
OPERATOR = Principal("ops-7", Role.OPERATOR)
ADMIN = Principal("admin-1", Role.ADMIN)


def officer(department: str, subject: str = "officer-1") -> Principal:
    return Principal(subject, Role.OFFICER, department)


class SeededRegisters(RegisterLookups):
    """What the demo seed puts in the civil register (persons, households) and the market register
    (companies), answered as Lookup.Find would (services/*/seed.yaml); other registers hold nothing.
    Remembers what it was asked."""

    def __init__(self) -> None:
        civil = yaml.safe_load((ROOT / "services" / "civil_registration" / "seed.yaml").read_text(encoding="utf-8"))
        market = yaml.safe_load((ROOT / "services" / "market_regulation" / "seed.yaml").read_text(encoding="utf-8"))
        self.records: dict[tuple[str, str, str], dict[str, str]] = {}
        for household in civil["households"]:
            couple = [m for m in household["members"] if m.get("relation") in ("head", "spouse")]
            for member in couple if len(couple) == 2 else ():
                [spouse] = [m for m in couple if m is not member]
                self.records[("civil_registration", "spouse_of", member["resident_id"])] = {
                    "resident_id": spouse["resident_id"], "name": spouse["name"]}
            for member in household["members"]:
                person = parse_resident_id(member["resident_id"])
                self.records[("civil_registration", "person", person.number)] = {
                    "name": member["name"], "sex": person.sex, "birth_date": person.birth_date.isoformat(),
                    "household_no": household["household_no"]}
                self.records[("civil_registration", "household_of", person.number)] = {
                    "household_no": household["household_no"], "address": household["address"],
                    "area_code": household["area_code"]}
        for company in market["companies"]:
            self.records[("market_regulation", "company", company["credit_code"])] = {
                **{k: str(v) for k, v in company.items()}, "status": "active"}
        self.asked: list[tuple[str, str, str]] = []

    def find(self, department, query, key):
        self.asked.append((department, query, key))
        return self.records.get((department, query, key))
