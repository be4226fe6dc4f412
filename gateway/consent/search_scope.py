"""What a consent search shows to whom (need to know).

An employee sees only consents their department is party to (source or recipient), as
withdrawal already requires. The DPO sees every consent's existence, purpose, validity and
status — what oversight needs to check a basis named in the audit log — but neither the
evidence reference nor which special-category data (GDPR art. 9) it covers; those stay with
the departments that are party to it. Every search is audited by the caller.
"""

from __future__ import annotations

from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue
from gateway.consent.models import ConsentRow
from gateway.consent.schemas import ConsentRead


def visible_to(principal: Principal, row: ConsentRow) -> bool:
    """True when ``principal`` may see ``row`` at all."""
    if principal.kind != "employee":
        return False
    if principal.is_dpo:
        return True
    return principal.department in set(row.recipient_departments) | set(row.source_departments)


def as_seen_by(principal: Principal, item: ConsentRead, catalogue: Catalogue) -> ConsentRead:
    """The consent as ``principal`` may read it (the DPO's view is redacted, see above)."""
    parties = set(item.recipient_departments) | set(item.source_departments)
    if principal.department in parties:
        return item
    ordinary = [
        c
        for c in item.categories
        if c in catalogue.categories and catalogue.categories[c].sensitivity != "special"
    ]
    # Issue 14's record fields carry evidence references and the fields per category too.
    return item.model_copy(
        update={
            "categories": ordinary,
            "evidence_ref": None,
            "granted_fields": {
                c: f for c, f in (item.granted_fields or {}).items() if c in ordinary
            }
            if item.granted_fields is not None
            else None,
            "withdrawal_evidence_ref": None,
            "withdrawal_receipt": None,
            "history": [e.model_copy(update={"evidence_ref": None}) for e in item.history],
        }
    )
