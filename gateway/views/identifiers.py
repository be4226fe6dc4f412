"""What a view request may carry into the audit log: catalogue ids, or codes for unknown ones."""

from __future__ import annotations

from gateway.catalogue.identifiers import category_codes, purpose_code
from gateway.catalogue.models import Catalogue
from gateway.views.schemas import ViewRequest


def as_catalogue_codes(body: ViewRequest, catalogue: Catalogue) -> ViewRequest:
    """The request with an unknown purpose as ``unknown_purpose`` and unknown categories as
    ``unknown_category``: the policy denies them with a reason, and neither the audit entry nor
    the citizen's log ever holds the caller's own string (free text, a CPR, markup)."""
    categories = category_codes(body.categories, catalogue.categories) if body.categories else None
    return body.model_copy(
        update={"purpose": purpose_code(body.purpose, catalogue.purposes), "categories": categories}
    )
