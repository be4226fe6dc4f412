"""CPR numbers: validation and normalisation, and a wrapper that never prints itself.

Validation uses ``python-stdnum``'s ``stdnum.dk.cpr`` (format, embedded birth date,
not in the future). The modulus-11 check is not applied: CPR numbers issued since
2007 need not satisfy it.
"""

from __future__ import annotations

from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError as StdnumValidationError

from gateway.errors import InvalidRequest


class InvalidCpr(InvalidRequest):
    code = "invalid_cpr"
    field = "cpr"


def normalise_cpr(value: str) -> str:
    """Return the 10-digit form of ``value`` or raise ``InvalidCpr`` (never echoing it)."""
    try:
        number = stdnum_cpr.validate(value)
    except StdnumValidationError as exc:
        raise InvalidCpr(
            "Ugyldigt CPR-nummer (10 cifre med en gyldig fødselsdato) / "
            "Invalid CPR number (10 digits with a valid date of birth)"
        ) from exc
    return str(number)


def is_valid_cpr(value: str) -> bool:
    try:
        normalise_cpr(value)
    except InvalidCpr:
        return False
    return True
