"""CPR numbers: validation and normalisation, and a wrapper that never prints itself.

Validation uses ``python-stdnum``'s ``stdnum.dk.cpr`` (format, embedded birth date,
not in the future). The modulus-11 check is not applied: CPR numbers issued since
2007 need not satisfy it.
"""

from __future__ import annotations

import re

from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError as StdnumValidationError

from gateway.errors import InvalidRequest
from gateway.text import Text

# Anything shaped like a CPR number (DDMMYY-SSSS or DDMMYYSSSS): masked in logs and checked for
# in tests of what leaves the gateway.
CPR_PATTERN = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")


class InvalidCpr(InvalidRequest):
    code = "invalid_cpr"


def normalise_cpr(value: str) -> str:
    """Return the 10-digit form of ``value`` or raise ``InvalidCpr`` (never echoing it)."""
    try:
        number = stdnum_cpr.validate(value)
    except StdnumValidationError as exc:
        raise InvalidCpr(
            Text(da="Ugyldigt CPR-nummer", en="invalid CPR number (10 cifre, gyldig fødselsdato)")
        ) from exc
    return str(number)


def is_valid_cpr(value: str) -> bool:
    try:
        normalise_cpr(value)
    except InvalidCpr:
        return False
    return True
