"""Who may do what, as pure rules: submit, see, object, delegate, operate.

The rules use what the bundle declares (its `principals`: the form fields naming who may apply),
what the application recorded (its principals and its agent) and which delegations hold (asked
through a function, so nothing here reads a store). A refusal the caller may know about is
PermissionDenied (naming the request field that decides it); a read of what the caller may not see
is NotVisible, answered as if the application did not exist.

What each read of a person's data by someone else is, for that person's data-access log, is
saga/domain/reads.py.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from lifeevents.callers import FRONT_DESK, Principal, Role
from lifeevents.identifiers import InvalidIdentifier, parse_resident_id
from saga.domain.bundle import Bundle
from saga.domain.errors import InvalidRequest, NotVisible, PermissionDenied

# Whether a delegation from this principal (for the bundle in question) holds now.
Delegated = Callable[[str], bool]
LONGEST_DELEGATION = dt.timedelta(days=366)


class OperatorAction(enum.Enum):
    LIST = "list applications"
    PENDING = "list pending steps"
    HISTORY = "read an application's history"
    RETRY = "retry a step"
    SKIP = "skip a step"
    DEAD_LETTERS = "list and requeue dead letters"
    STATISTICS = "read statistics"
    # Only admins:
    REPLAY = "replay an application"
    REBUILD = "rebuild the projections"
    WHAT_IF = "run a what-if"
    VERIFY_ACCESS_LOG = "verify the data-access log"
    FOLLOW_UPS = "list and close follow-ups of bad ratings"

    @property
    def admin_only(self) -> bool:
        return self in (OperatorAction.REPLAY, OperatorAction.REBUILD, OperatorAction.WHAT_IF,
                        OperatorAction.VERIFY_ACCESS_LOG)


class Purpose(enum.Enum):
    """Why an application is opened: what the data-access log says as the reason."""

    FOLLOW = "following the application"  # Get
    WATCH = "watching the application"  # Watch: its parties only
    HISTORY = "history"
    REPLAY = "replay"


class SightKind(enum.Enum):
    PRINCIPAL = "principal"    # the person (or a parent, the legal representative): all of it
    AGENT = "agent"            # their agent while a delegation holds: all of it
    FRONT_DESK = "front_desk"  # an officer of the one-window front desk: the whole application
    DEPARTMENT = "department"  # an officer of a department: that department's steps only
    OPERATOR = "operator"      # operators and admins through the Operations API: masked
    PUBLIC = "public"          # an objector to a public notice: that it exists, and its status


@dataclass(frozen=True)
class Sight:
    """What a caller may see of an application: which steps (None: all), whether each step's inputs,
    whether personal data in reasons is masked, and whether in inputs and results too."""

    kind: SightKind
    steps: frozenset[str] | None = None
    inputs: bool = True
    masked: bool = False
    details_masked: bool = False

    def shows(self, step_id: str) -> bool:
        return self.steps is None or step_id in self.steps

    @property
    def is_party(self) -> bool:
        return self.kind in (SightKind.PRINCIPAL, SightKind.AGENT)


# -- submitting -----------------------------------------------------------------------------------
def check_may_submit(caller: Principal, bundle: Bundle, principals: Mapping[str, str], delegated: Delegated) -> str:
    """A citizen named as a principal, or an agent with a delegation from one for this bundle, may
    submit; returns the agent's subject ("" for a principal), else PermissionDenied naming the field."""
    field = f"form.{bundle.principals[0]}" if bundle.principals else "bundle"
    named = " or ".join(bundle.principals)
    subjects = list(dict.fromkeys(principals.values()))
    if caller.role is Role.CITIZEN:
        if caller.subject in subjects:
            return ""
        raise PermissionDenied(f"the {bundle.id} form may be submitted only by the person it names as {named}, or "
                               f"their agent", field, f"you are not the person named as {named}")
    if caller.role is Role.AGENT:
        if any(delegated(subject) for subject in subjects):
            return caller.subject
        raise PermissionDenied(f"no delegation for {bundle.id} from the person named as {named} holds", field,
                               f"no delegation from the person named as {named} holds")
    raise PermissionDenied(f"a {caller.role.value} does not submit applications; the person named as {named} does, "
                           f"or their agent")


# -- reading --------------------------------------------------------------------------------------
def sight_of(caller: Principal, principals: Iterable[str], agent: str, departments: Mapping[str, str],
             delegated: Delegated, purpose: Purpose = Purpose.FOLLOW) -> Sight:
    """What the caller may see of an application with these principals, agent and steps (step ->
    department); NotVisible (carrying no id: the caller adds it) for everyone else."""
    principals = set(principals)
    if purpose in (Purpose.HISTORY, Purpose.REPLAY):  # the Operations API: who may is checked by check_may_operate
        if caller.role in (Role.OPERATOR, Role.ADMIN):
            return Sight(SightKind.OPERATOR, masked=True, details_masked=True)
        raise NotVisible("")
    sight = _sight_of(caller, principals, agent, departments, delegated)
    if purpose is Purpose.WATCH and not sight.is_party:
        raise NotVisible("")
    return sight


def _sight_of(caller: Principal, principals: set[str], agent: str, departments: Mapping[str, str],
              delegated: Delegated) -> Sight:
    if caller.role is Role.CITIZEN and caller.subject in principals:
        return Sight(SightKind.PRINCIPAL)
    if caller.role is Role.AGENT and caller.subject == agent and any(delegated(p) for p in principals):
        return Sight(SightKind.AGENT)
    if caller.role is Role.OFFICER and caller.department == FRONT_DESK:
        return Sight(SightKind.FRONT_DESK, masked=True)
    if caller.role is Role.OFFICER:
        own = frozenset(step for step, department in departments.items() if department == caller.department)
        if own:
            return Sight(SightKind.DEPARTMENT, steps=own, masked=True)
    raise NotVisible("")


# -- offers ---------------------------------------------------------------------------------------
def check_may_answer_offer(caller: Principal, principals: Iterable[str], delegated: Delegated) -> str:
    """Only the people an offer was made to (its trigger's principals), or their agent under a
    delegation for the bundle, confirm or decline it; returns the agent's subject ("" for a
    principal). Anyone else, a parent the trigger does not name included: NotVisible."""
    principals = set(principals)
    if caller.role is Role.CITIZEN and caller.subject in principals:
        return ""
    if caller.role is Role.AGENT and any(delegated(p) for p in principals):
        return caller.subject
    raise NotVisible("")


def check_may_supplement(caller: Principal, principals: Iterable[str], delegated: Delegated,
                         acts: str = "supplies materials and corrections") -> str:
    """Only the applicant sends what an application awaits (容缺, a correction), or withdraws it: its
    principals, or their agent under a delegation; returns the agent's subject. Staff: PermissionDenied;
    any other citizen or agent: NotVisible."""
    if caller.role not in (Role.CITIZEN, Role.AGENT):
        raise PermissionDenied(f"only the applicant {acts}, not a {caller.role.value}")
    return check_may_answer_offer(caller, principals, delegated)


def check_front_desk(caller: Principal) -> None:
    """The front desk's queue, acceptances and returns: its officers only."""
    if caller.role is not Role.OFFICER or caller.department != FRONT_DESK:
        raise PermissionDenied(f"the front desk is for officers of the front desk, not a {caller.role.value}"
                               + (f" of {caller.department}" if caller.department else ""))


def check_may_rate(caller: Principal, principals: Iterable[str]) -> None:
    """Each principal rates for themselves: another citizen NotVisible; an agent or staff PermissionDenied."""
    if caller.role is Role.CITIZEN and caller.subject in set(principals):
        return
    if caller.role is Role.CITIZEN:
        raise NotVisible("")
    raise PermissionDenied(f"an application is rated by its principals themselves, not by a {caller.role.value}")


# -- objecting ------------------------------------------------------------------------------------
def check_may_object(caller: Principal, principals: Iterable[str], open_to_objections: bool) -> Sight:
    """Any citizen may object to a public notice (a creditor is a third party); the application's own
    principals too. Anyone else: PermissionDenied; an application without a public notice that the
    caller is no party to: NotVisible."""
    if caller.role is not Role.CITIZEN:
        raise PermissionDenied(f"objections come from a citizen, not a {caller.role.value}")
    if caller.subject in set(principals):
        return Sight(SightKind.PRINCIPAL)
    if open_to_objections:
        return Sight(SightKind.PUBLIC, steps=frozenset(), inputs=False, masked=True)
    raise NotVisible("")


# -- delegating -----------------------------------------------------------------------------------
def check_may_delegate(caller: Principal, agent: str, until: dt.datetime | None, now: dt.datetime) -> str:
    """A citizen grants an agent (a resident ID, not their own) a right until a moment in the coming
    year; returns the agent's normalised resident ID."""
    if caller.role is not Role.CITIZEN:
        raise PermissionDenied(f"only a citizen grants delegations, not a {caller.role.value}")
    try:
        agent = parse_resident_id(agent, now.date()).number
    except InvalidIdentifier as err:
        raise InvalidRequest("an agent is named by their resident ID", "agent", str(err)) from None
    if agent == caller.subject:
        raise InvalidRequest("a delegation is to someone else", "agent", "not your own resident ID")
    if until is None or not now < until <= now + LONGEST_DELEGATION:
        raise InvalidRequest("a delegation lasts until a moment in the coming year", "until",
                             f"after now and at most {LONGEST_DELEGATION.days} days ahead")
    return agent


# -- operating ------------------------------------------------------------------------------------
def check_may_operate(caller: Principal, action: OperatorAction) -> None:
    """Operators list, read histories, retry, skip and see dead letters and statistics; only admins
    replay, rebuild and run what-ifs."""
    allowed = (Role.ADMIN,) if action.admin_only else (Role.OPERATOR, Role.ADMIN)
    if caller.role not in allowed:
        raise PermissionDenied(f"to {action.value} needs the role {' or '.join(r.value for r in allowed)}, "
                               f"not {caller.role.value}")


def check_reason(reason: str) -> str:
    """Reading an application's personal data as an operator needs a stated reason (how long it may
    be is held at the door, with every other request string: saga/entrypoints/requests.py)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest("a reason is required to read an application's personal data", "reason", "required")
    return reason
