"""Which of an application's values are personal data, and masking them where someone other than
the person looks (an operator's history or replay, an officer's view of refusal reasons).

Personal: the form items of a personal field (a resident ID or phone number by its type; a name,
an address or a bank account because the bundle says `personal: true`), and the results the
department catalogue lists as `personal`. They are masked by value wherever they occur (a
refusal reason quotes a name), and every resident ID, phone and bank account number by its shape
(lifeevents/privacy.py)."""
from __future__ import annotations

from typing import Iterable, Mapping

from lifeevents.privacy import mask_values
from saga.domain.bundle import Bundle
from saga.domain.catalogue import Catalogue


class PersonalData:
    def __init__(self, values: Iterable[str] = ()):
        self.values = frozenset(v for v in values if v)

    @classmethod
    def of(cls, application, bundle: Bundle | None, catalogue: Catalogue) -> PersonalData:
        """The personal values of the application; a form item the bundle no longer declares counts as one."""
        fields = bundle.fields if bundle is not None else {}
        values = [v for k, v in application.form.items() if k not in fields or fields[k].is_personal]
        for step in application.steps.values():
            action = catalogue.action(step.department, step.action)
            personal = action.personal_outputs if action is not None else set(step.result)
            values += [v for k, v in step.result.items() if k in personal]
        return cls(values)

    def mask(self, text: str) -> str:
        return mask_values(text, self.values)

    def mask_all(self, mapping: Mapping[str, str]) -> dict[str, str]:
        return {k: self.mask(str(v)) for k, v in mapping.items()}
