"""What a citizen hears about an application, and when: each moment is a notice to the application's
principals, derived from one of its events by a handler keyed on the event's class, so adding a
moment is one small function:

    @notice_of.register(Application.SomethingHappened)
    def _(event, application):
        return notice(NoticeKind.SOMETHING, event, application, {"due_on": event.due_on.isoformat()})

The notification relay (saga/adapters/notifications.py) follows the event log, asks `notice_of` for
each event it decodes, writes each notice in its recipient's language and publishes it: the outbox's
guarantee, with an id per moment and recipient. A notice carries nothing beyond what its recipients
already own (their application's results, its deadlines); resident IDs, phones and bank accounts in
it are masked all the same.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from functools import singledispatch
from typing import Any, Mapping

from lifeevents.privacy import mask_text
from saga.domain.application import Application
from saga.domain.bundle import Bundle
from saga.domain.catalogue import Catalogue, Text
from saga.domain.commitments import Commitments
from saga.domain.front_desk import FrontDesk
from saga.domain.materials import Materials
from saga.domain.review import OfficerReview
from saga.domain.statuses import StepStatus
from saga.domain.withdrawal import Withdrawal

_NAMESPACE = uuid.UUID("6c1d1f0e-2b7a-4a3e-8f51-0c4e9d2a7b36")
CHINA = dt.timezone(dt.timedelta(hours=8))  # deadlines are written in China time


class NoticeKind(enum.StrEnum):  # the names of lifeevents.v1.Notification.Kind
    OFFER_MADE = "OFFER_MADE"
    OFFER_REMINDER = "OFFER_REMINDER"
    OFFER_EXPIRED = "OFFER_EXPIRED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    MATERIAL_DUE = "MATERIAL_DUE"
    CASE_RETURNED = "CASE_RETURNED"
    OFFICER_DECISION = "OFFICER_DECISION"
    RATING_INVITATION = "RATING_INVITATION"


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    application_id: str
    bundle: str
    version: int  # the event's: one notice per moment
    occurred_at: dt.datetime
    recipients: tuple[str, ...]
    details: Mapping[str, str]

    def notification_id(self, recipient: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.application_id}/{self.version}/{self.kind}/{recipient}"))


def notice(kind: NoticeKind, event: Any, application: Application, details: Mapping[str, str]) -> Notice:
    return Notice(kind, str(application.id), application.bundle, event.originator_version, event.timestamp,
                  tuple(dict.fromkeys(application.principals)), {k: mask_text(str(v)) for k, v in details.items()})


@singledispatch
def notice_of(event: Any, application: Application) -> Notice | None:
    """The notice an event of the application is, or None: most events are no moment to tell of."""
    return None


def moment_events() -> list[type]:
    """The event classes with a notice (what the relay decodes)."""
    return [cls for registry in (notice_of.registry, invitation_of.registry) for cls in registry if cls is not object]


def notices_of(event: Any, application: Application) -> list[Notice]:
    """Every notice an event is: its moment's, and the invitation to rate an application it ends."""
    return [found for found in (notice_of(event, application), invitation_of(event, application)) if found is not None]


def _deadline(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@notice_of.register(Application.Offered)
def _offer_made(event, application: Application) -> Notice:
    return notice(NoticeKind.OFFER_MADE, event, application,
                  {"trigger": event.trigger, "expires_at": _deadline(event.expires_at), "asked": ",".join(event.asked)})


@notice_of.register(Application.OfferReminded)
def _offer_reminder(event, application: Application) -> Notice:
    return notice(NoticeKind.OFFER_REMINDER, event, application,
                  {"expires_at": _deadline(application.offer.expires_at), "asked": ",".join(application.offer.asked)})


@notice_of.register(Application.Expired)
def _offer_expired(event, application: Application) -> Notice:
    return notice(NoticeKind.OFFER_EXPIRED, event, application, {"expires_at": _deadline(application.offer.expires_at)})


@notice_of.register(Application.Completed)
def _completed(event, application: Application) -> Notice:
    """With its results: every completed step's outputs (certificate numbers, a card number)."""
    results = {f"{step.id}.{name}": value for step in application.steps.values() for name, value in step.result.items()
               if step.status == StepStatus.COMPLETED and step.department}
    return notice(NoticeKind.COMPLETED, event, application, results)


@notice_of.register(Application.Rejected)
def _rejected(event, application: Application) -> Notice:
    return notice(NoticeKind.REJECTED, event, application, {"reasons": "; ".join(event.reasons)})


# -- rating invitations (saga/domain/rating.py): every event that ends an application, beside its notice --
@singledispatch
def invitation_of(event: Any, application: Application) -> Notice | None:
    """The invitation to rate an application the event ends (好差评), or None."""
    return None


@invitation_of.register(Application.Completed)
@invitation_of.register(Application.Rejected)
@invitation_of.register(Application.Failed)
@invitation_of.register(Withdrawal.Withdrawn)
@invitation_of.register(Commitments.Revoked)
def _rating_invitation(event, application: Application) -> Notice:
    return notice(NoticeKind.RATING_INVITATION, event, application, {})


# -- an officer's decision (后台审批; helper W) ---------------------------------------------------------
# Dispatch on OfficerReview's event (stored under the mixin's topic: saga/domain/review.py). The
# result the decision made is recorded in the same save, so the step says what was decided; a step
# undone later by a compensation was still approved. A return for correction is CASE_RETURNED's.
OFFICER_OUTCOMES = {"approved": Text("批准", "approved"), "rejected": Text("不予批准", "rejected")}


@notice_of.register(OfficerReview.StepDecidedByOfficer)
def _officer_decision(event, application: Application) -> Notice:
    step = application.steps[event.step]
    rejected = step.status == StepStatus.REJECTED
    return notice(NoticeKind.OFFICER_DECISION, event, application, {
        "step": event.step, "officer": event.officer, "outcome": "rejected" if rejected else "approved",
        "reason": step.reason if rejected else ""})


def _officer_values(found: Notice, bundle: Bundle | None, catalogue: Catalogue, pick) -> dict[str, str]:
    """The step's name and the decision in the recipient's language, for OFFICER_DECISION's text."""
    if found.kind != NoticeKind.OFFICER_DECISION:
        return {}
    step = bundle.steps.get(found.details["step"]) if bundle is not None else None
    action = catalogue.action(step.department, step.action) if step is not None else None
    reason = found.details.get("reason", "")
    return {"step": pick(action.title) if action is not None else found.details["step"],
            "outcome": pick(OFFICER_OUTCOMES[found.details["outcome"]]),
            "reason": pick(Text(f"理由：{reason}", f" Reason: {reason}")) if reason else ""}
# -- 容缺受理 and 前台受理 (issue 13, P1): a promised material due, a case returned for correction ------
@notice_of.register(Materials.MaterialReminded)
def _material_due(event, application: Application) -> Notice:
    return notice(NoticeKind.MATERIAL_DUE, event, application,
                  {"due_at": _deadline(event.due_at), "asked": ",".join(event.fields)})


@notice_of.register(FrontDesk.ReturnedForCorrection)
def _returned_by_front_desk(event, application: Application) -> Notice:
    return notice(NoticeKind.CASE_RETURNED, event, application,
                  {"asked": ",".join(sorted(event.reasons)),
                   "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(event.reasons.items()))})


@notice_of.register(OfficerReview.StepReturned)
def _returned_by_officer(event, application: Application) -> Notice:
    step = application.steps[event.step]
    fields = sorted(step.inputs[name].partition(".")[2] for name in event.returned_inputs
                    if step.inputs.get(name, "").startswith("form."))
    return notice(NoticeKind.CASE_RETURNED, event, application,
                  {"asked": ",".join(fields),
                   "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(event.returned_inputs.items()))})


# -- writing a notice in a language ------------------------------------------------------------------
TEXTS: Mapping[NoticeKind, tuple[Text, Text]] = {  # title, body
    NoticeKind.OFFICER_DECISION: (
        Text("{bundle}：{step}已{outcome}", "{bundle}: {step} {outcome}"),
        Text("工作人员 {officer} 对您{bundle}申请中的“{step}”作出决定：{outcome}。{reason}",
             "Officer {officer} decided the \u201c{step}\u201d step of your {bundle} application: {outcome}.{reason}")),
    NoticeKind.OFFER_MADE: (
        Text("{bundle}：已为您预填，请确认", "{bundle}: prepared for you, please confirm"),
        Text("根据{trigger}，{bundle}申请已为您预填。请于{expires_at}前确认，只需填写：{asked}。",
             "Following {trigger}, your {bundle} application is filled in for you. Confirm it by {expires_at}; "
             "you only need to add: {asked}.")),
    NoticeKind.OFFER_REMINDER: (
        Text("{bundle}：请尽快确认", "{bundle}: please confirm soon"),
        Text("为您预填的{bundle}申请将于{expires_at}过期，确认时只需填写：{asked}。",
             "The {bundle} application filled in for you expires on {expires_at}; to confirm, add: {asked}.")),
    NoticeKind.OFFER_EXPIRED: (
        Text("{bundle}：预填申请已过期", "{bundle}: the prepared application expired"),
        Text("您未在{expires_at}前确认，为您预填的{bundle}申请已关闭；如仍需办理，可随时在线申请。",
             "It was not confirmed by {expires_at}, so the {bundle} application filled in for you is closed; "
             "you can still apply online at any time.")),
    NoticeKind.COMPLETED: (
        Text("{bundle}：已全部办结", "{bundle}: everything is done"),
        Text("您的{bundle}申请已全部办结。{results}", "Your {bundle} application is complete. {results}")),
    NoticeKind.REJECTED: (
        Text("{bundle}：未能办结", "{bundle}: could not be completed"),
        Text("您的{bundle}申请未能办结：{reasons}", "Your {bundle} application could not be completed: {reasons}")),
    # 容缺受理 and 前台受理 (P1)
    NoticeKind.MATERIAL_DUE: (
        Text("{bundle}：请按承诺补交材料", "{bundle}: please supply the promised material"),
        Text("您承诺补交的材料（{asked}）须于{due_at}前提交，逾期未交的，申请将不予办理。",
             "The material you committed to supply ({asked}) is due by {due_at}; if it is not supplied by then, "
             "the application is refused.")),
    NoticeKind.CASE_RETURNED: (
        Text("{bundle}：请补正材料", "{bundle}: please correct your application"),
        Text("您的{bundle}申请需要补正：{asked}。原因：{reasons}。补正期间不计入办理时限。",
             "Your {bundle} application needs a correction: {asked}. Why: {reasons}. The time limit stops "
             "while it is with you.")),
    NoticeKind.RATING_INVITATION: (
        Text("{bundle}：请评价本次服务", "{bundle}: please rate the service"),
        Text("您的{bundle}申请已结束。请对本次服务作出评价：非常满意、满意、基本满意、不满意或非常不满意；"
             "不满意的评价将有专人跟进整改。",
             "Your {bundle} application has ended. Please rate the service: very satisfied, satisfied, basically "
             "satisfied, dissatisfied or very dissatisfied; a dissatisfied rating is followed up and put right.")),
}


def shared(found: Notice, bundle: Bundle | None, catalogue: Catalogue) -> dict[str, str]:
    """The notice's details that go out: a step's result the catalogue lists as personal (an
    address) stays out, whoever owns it."""
    steps = bundle.steps if bundle is not None else {}

    def personal(key: str) -> bool:
        step_id, _, output = key.partition(".")
        step = steps.get(step_id)
        action = catalogue.action(step.department, step.action) if step is not None else None
        return found.kind == NoticeKind.COMPLETED and (action is None or output in action.personal_outputs)

    return {k: v for k, v in found.details.items() if not personal(k)}


def written(found: Notice, bundle: Bundle | None, catalogue: Catalogue, language: str) -> tuple[str, str]:
    """The notice's title and body in the language (zh or en); a kind without a text of its own is
    told by its name and details."""
    pick = (lambda text: text.en) if language == "en" else (lambda text: text.zh)
    name = pick(bundle.name) if bundle is not None else found.bundle
    values = {**found.details, "bundle": name}
    if "asked" in values and bundle is not None:
        values["asked"] = ("、" if language != "en" else ", ").join(
            pick(bundle.fields[f].label) for f in found.details["asked"].split(",") if f in bundle.fields)
    if "trigger" in values and (event := catalogue.event(values["trigger"])) is not None:
        values["trigger"] = pick(event.title)
    values["results"] = _results(found, bundle, catalogue, pick, language)
    values.update(_officer_values(found, bundle, catalogue, pick))
    if found.kind not in TEXTS:
        return f"{name}: {found.kind}", "; ".join(f"{k}: {v}" for k, v in found.details.items())
    title, body = TEXTS[found.kind]
    return pick(title).format(**values), pick(body).format(**values)


def _results(found: Notice, bundle: Bundle | None, catalogue: Catalogue, pick, language: str) -> str:
    if found.kind != NoticeKind.COMPLETED or bundle is None:
        return ""
    lines, details = [], shared(found, bundle, catalogue)
    for step in bundle.steps.values():
        values = [v for k, v in details.items() if k.partition(".")[0] == step.id]
        action = catalogue.action(step.department, step.action)
        if values and action is not None:
            lines.append(f"{pick(action.title)}{'：' if language != 'en' else ': '}{', '.join(values)}")
    return ("；" if language != "en" else "; ").join(lines)
