"""The applicant API's methods of the proactive service (lifeevents.v1.Applications: Confirm, Decline,
SetPreferences) and an offer as the applicant sees it, mixed into the servicer
(saga/entrypoints/applications_api.py): held to the door's limits, one use case each, answered with
what the caller may see."""
from __future__ import annotations

from lifeevents.identity import Principal
from lifeevents.v1 import applications_pb2 as pb
from saga.domain.access import Sight
from saga.domain.application import Application
from saga.entrypoints import requests
from saga.entrypoints.auth import authenticated
from saga.entrypoints.errors import domain_errors, refusals


def offer_message(application: Application, sight: Sight) -> pb.Offer:
    """What started the application and when it must be confirmed; for its parties, what is already
    known (each item with its source) and what is still asked."""
    offer = application.offer
    message = pb.Offer(trigger=offer.trigger, event_id=offer.event_id, typed=len(offer.typed))
    for name in ("occurred_at", "offered_at", "expires_at", "remind_at", "confirmed_at"):
        if (moment := getattr(offer, name)) is not None:
            getattr(message, name).FromDatetime(moment)
    if sight.is_party:
        for name in offer.sources:
            if name in application.form:
                kind, source = offer.source_of(name)
                message.known.add(field=name, value=application.form[name], kind=kind, source=source)
        if application.is_open_offer:
            message.asked.extend(offer.asked)
    return message


class OfferMethods:
    """Needs the servicer's coordinator, verifier and `answer(application, sight)`."""

    @authenticated
    def Confirm(self, request, context, caller: Principal):
        with refusals(context):
            application_id = requests.application_id(request.application_id)
            form = requests.form_values(request.form) if request.HasField("form") else {}
        with domain_errors(context):
            application, sight = self.coordinator.confirm(application_id, form, caller=caller)
        return self.answer(application, sight)

    @authenticated
    def Decline(self, request, context, caller: Principal):
        with refusals(context):
            application_id, reason = requests.each(lambda: requests.application_id(request.application_id),
                                                   lambda: requests.optional("reason", request.reason))
        with domain_errors(context):
            application, sight = self.coordinator.decline(application_id, reason, caller=caller)
        return self.answer(application, sight)

    @authenticated
    def SetPreferences(self, request, context, caller: Principal):
        with refusals(context):
            requests.check_length("language", request.language)
        with domain_errors(context):
            preferences = self.coordinator.set_language(request.language, caller=caller)
        return pb.Preferences(language=preferences.language)
