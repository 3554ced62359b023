"""A person's preferences (one aggregate per person, its id derived from the resident ID): the
language their notifications are written in, Chinese unless they choose otherwise."""
from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.domain import Aggregate, event

from saga.domain.errors import InvalidRequest

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_NAMESPACE = uuid.UUID("5b0f4a52-3c1e-4f7e-9d55-8b1f3f2f6a10")


def check_language(language: str) -> str:
    language = (language or "").strip().lower()
    if language not in LANGUAGES:
        raise InvalidRequest("a language the notifications are written in", "language",
                             f"one of {', '.join(LANGUAGES)}")
    return language


class Preferences(Aggregate):
    @staticmethod
    def id_for(subject: str) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"preferences:{subject}")

    @classmethod
    def of(cls, subject: str, language: str, at: dt.datetime) -> Preferences:
        return cls(id=cls.id_for(subject), subject=subject, language=language, at=at)

    @event("Created")
    def __init__(self, id: uuid.UUID, subject: str, language: str, at: dt.datetime):  # noqa: A002
        self.subject, self.language = subject, language

    def choose(self, language: str, at: dt.datetime) -> bool:
        """Choose a language; False (nothing recorded) if it is the one chosen already."""
        if language == self.language:
            return False
        self._choose(language, at)
        return True

    @event("LanguageChosen")
    def _choose(self, language: str, at: dt.datetime) -> None:
        self.language = language
