"""Rules every department applies to a company it is asked to serve."""
from __future__ import annotations

from lifeevents.identifiers import InvalidIdentifier, parse_credit_code
from services.common.domain import Inputs, Refusal


def credit_code(inputs: Inputs, name: str = "credit_code") -> str:
    try:
        return parse_credit_code(inputs.required(name))
    except InvalidIdentifier as err:
        raise Refusal(f"{name} is not a valid unified social credit code: {err}") from None
