"""RFC 9457 problem details (``application/problem+json``) for every API error.

Each error code has a stable ``type`` URI (``urn:tvaers:problem:<code>``) and a title in Danish
and English; ``title`` and ``detail`` follow ``Accept-Language`` (Danish unless English is
preferred). Extension members: ``code`` (the machine-readable code, also the last part of the
type), ``request_id`` (matches the ``X-Request-ID`` header) and ``errors`` (one entry per invalid
field: where it is, a code and a message). docs/api-errors.md lists the types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:tvaers:problem:"

ProblemLang = Literal["da", "en"]


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title_da: str
    title_en: str

    @property
    def uri(self) -> str:
        return TYPE_PREFIX + self.code

    def title(self, lang: ProblemLang) -> str:
        return self.title_en if lang == "en" else self.title_da


def _types(*rows: tuple[str, int, str, str]) -> dict[str, ProblemType]:
    return {code: ProblemType(code, status, da, en) for code, status, da, en in rows}


# Every code the gateway answers with. A code not listed here still gets a problem document
# (titled after its status), and a test keeps this list complete for the codes in gateway/.
PROBLEM_TYPES: dict[str, ProblemType] = _types(
    ("malformed_request", 400, "Forespørgslen kan ikke læses", "Malformed request"),
    ("not_authenticated", 401, "Ikke logget ind", "Not authenticated"),
    ("stale_citizen_token", 401, "Borgerens login er for gammelt", "Citizen login too old"),
    ("login_required", 401, "Log ind først", "Login required"),
    (
        "insufficient_user_authentication",
        401,
        "For lavt sikringsniveau ved login",
        "Login assurance too low",
    ),
    ("not_permitted", 403, "Ikke tilladt", "Not permitted"),
    ("forbidden", 403, "Ikke tilladt", "Forbidden"),
    ("csrf_failed", 403, "Formularen kunne ikke godkendes", "Form check failed"),
    ("not_found", 404, "Findes ikke", "Not found"),
    ("consent_not_found", 404, "Samtykket findes ikke", "Consent not found"),
    (
        "consent_request_not_found",
        404,
        "Anmodningen findes ikke",
        "Consent request not found",
    ),
    ("unknown_user", 404, "Ukendt demobruger", "Unknown demo user"),
    ("entry_not_found", 404, "Ingen sådan logpost", "No such log entry"),
    ("entry_purged", 404, "Logpostens indhold er slettet", "Log entry content purged"),
    ("job_not_found", 404, "Ingen sådan kontrol", "No such verification"),
    ("no_checkpoint", 404, "Intet checkpoint endnu", "No checkpoint yet"),
    ("method_not_allowed", 405, "Metoden er ikke tilladt", "Method not allowed"),
    ("conflict", 409, "Konflikt", "Conflict"),
    ("not_sequenced", 409, "Logposten er ikke sekvenseret endnu", "Entry not sequenced yet"),
    ("payload_too_large", 413, "Forespørgslen er for stor", "Request body too large"),
    ("invalid_request", 422, "Ugyldig forespørgsel", "Invalid request"),
    ("invalid_cpr", 422, "Ugyldigt CPR-nummer", "Invalid CPR number"),
    ("cpr_required", 422, "CPR-nummer mangler", "CPR number required"),
    ("evidence_required", 422, "Dokumentation mangler", "Evidence required"),
    ("unknown_purpose", 422, "Ukendt formål", "Unknown purpose"),
    (
        "purpose_not_consent_based",
        422,
        "Formålet bygger ikke på samtykke",
        "Purpose is not consent-based",
    ),
    (
        "category_not_in_purpose",
        422,
        "Kategorien hører ikke til formålet",
        "Category not in purpose",
    ),
    (
        "recipient_not_in_purpose",
        422,
        "Modtageren hører ikke til formålet",
        "Recipient not in purpose",
    ),
    ("source_mismatch", 422, "Kilden passer ikke", "Source mismatch"),
    ("validity_too_long", 422, "Gyldigheden er for lang", "Validity too long"),
    ("bad_size", 422, "Ugyldig træstørrelse", "Invalid tree size"),
    ("bad_index", 422, "Ugyldigt indeks", "Invalid index"),
    ("rate_limited", 429, "For mange forsøg", "Too many requests"),
    ("too_many_requests", 429, "For mange forsøg", "Too many requests"),
    ("internal_error", 500, "Intern fejl", "Internal error"),
    ("service_unavailable", 503, "Tjenesten er utilgængelig", "Service unavailable"),
    ("audit_unavailable", 503, "Revisionsloggen er utilgængelig", "Audit log unavailable"),
    ("policy_unavailable", 503, "Politikmotoren er utilgængelig", "Policy engine unavailable"),
    (
        "consent_store_unavailable",
        503,
        "Samtykkelageret er utilgængeligt",
        "Consent store unavailable",
    ),
    ("store_unavailable", 503, "Lageret er utilgængeligt", "Storage unavailable"),
    ("not_ready", 503, "Ikke klar", "Not ready"),
    (
        "rate_limit_store_unavailable",
        503,
        "Grænselageret er utilgængeligt",
        "Rate-limit store unavailable",
    ),
    (
        "break_glass_not_confirmed",
        422,
        "Nødadgangen er ikke bekræftet",
        "Emergency access not confirmed",
    ),
    ("anomaly_mismatch", 422, "Afvigelsen passer ikke", "Anomaly does not match"),
    ("backdated_consent", 422, "Samtykket er tilbagedateret", "Consent is backdated"),
    (
        "evidence_date_in_future",
        422,
        "Dokumentationens dato ligger i fremtiden",
        "Evidence date is in the future",
    ),
    # Issue 14: who may record and confirm a consent, and which notice it records.
    (
        "role_cannot_record_purpose",
        403,
        "Din rolle kan ikke registrere samtykke til formålet",
        "Your role cannot record consent for this purpose",
    ),
    (
        "recorder_cannot_confirm",
        403,
        "Den, der registrerede samtykket, kan ikke bekræfte det",
        "The recorder cannot confirm the consent",
    ),
    (
        "role_cannot_confirm",
        403,
        "Din rolle kan ikke bekræfte samtykket",
        "Your role cannot confirm the consent",
    ),
    (
        "consent_not_pending",
        409,
        "Samtykket afventer ikke bekræftelse",
        "The consent is not pending confirmation",
    ),
    (
        "unknown_notice_version",
        422,
        "Ukendt version af samtykketeksten",
        "Unknown consent notice version",
    ),
    (
        "valid_until_required",
        422,
        "Slutdato mangler",
        "End of validity required",
    ),
    (
        "beyond_authority",
        422,
        "Uden for fuldmagtens eller værgemålets periode",
        "Outside the authority's period",
    ),
)

_STATUS_TITLES: dict[int, tuple[str, str]] = {
    400: ("Forespørgslen kan ikke læses", "Bad request"),
    401: ("Ikke logget ind", "Not authenticated"),
    403: ("Ikke tilladt", "Forbidden"),
    404: ("Findes ikke", "Not found"),
    409: ("Konflikt", "Conflict"),
    422: ("Ugyldig forespørgsel", "Invalid request"),
    429: ("For mange forsøg", "Too many requests"),
    503: ("Tjenesten er utilgængelig", "Service unavailable"),
}


def problem_type(code: str, status: int) -> ProblemType:
    """The registered type for ``code``, or one titled after ``status``."""
    known = PROBLEM_TYPES.get(code)
    if known is not None:
        return known
    da, en = _STATUS_TITLES.get(status, ("Fejl", "Error"))
    return ProblemType(code, status, da, en)


class FieldProblem(BaseModel):
    """One invalid input: ``location`` is body, query, path or header; ``field`` the dotted
    name inside it (``cpr``, ``categories.0``); never the value that was sent."""

    location: str = Field(examples=["body"])
    field: str = Field(examples=["cpr"])
    code: str = Field(examples=["invalid_cpr"])
    detail: str = Field(examples=["Ugyldigt CPR-nummer (10 cifre, gyldig fødselsdato)"])


class Problem(BaseModel):
    """An RFC 9457 problem document, the body of every 4xx and 5xx answer of the API."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:tvaers:problem:invalid_cpr",
                    "title": "Ugyldigt CPR-nummer",
                    "status": 422,
                    "detail": "Ugyldigt CPR-nummer (10 cifre, gyldig fødselsdato)",
                    "instance": "urn:uuid:5b0e2a4e-7d1c-4c8e-9b39-2f6f3c1d8a10",
                    "code": "invalid_cpr",
                    "request_id": "5b0e2a4e-7d1c-4c8e-9b39-2f6f3c1d8a10",
                    "errors": [
                        {
                            "location": "body",
                            "field": "cpr",
                            "code": "invalid_cpr",
                            "detail": "Ugyldigt CPR-nummer (10 cifre, gyldig fødselsdato)",
                        }
                    ],
                }
            ]
        }
    )

    type: str = Field(description="Stable URI of the problem type: urn:tvaers:problem:<code>")
    title: str = Field(description="Short summary of the type, in the negotiated language")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="This occurrence, in the negotiated language")
    instance: str | None = Field(None, description="urn:uuid:<request id>")
    code: str = Field(description="Machine-readable code (the type URI's last part)")
    request_id: str | None = None
    errors: list[FieldProblem] | None = Field(
        None, description="Field errors (extension member): one per invalid input"
    )


def negotiate_lang(accept_language: str | None) -> ProblemLang:
    """Danish unless ``Accept-Language`` prefers English over Danish (q-values honoured)."""
    if not accept_language:
        return "da"
    best: dict[str, float] = {}
    for part in accept_language.split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in ("da", "en"):
            best[primary] = max(best.get(primary, 0.0), quality)
    english, danish = best.get("en", 0.0), best.get("da", 0.0)
    return "en" if english > 0 and english > danish else "da"


def split_bilingual(message: str) -> tuple[str, str]:
    """``"dansk / english"`` → ``("dansk", "english")``; one language → the same text twice."""
    da, sep, en = message.partition(" / ")
    if not sep:
        return message, message
    return da.strip(), en.strip()


def problem_body(
    *,
    code: str,
    status: int,
    detail_da: str,
    detail_en: str,
    lang: ProblemLang,
    request_id: str | None,
    errors: list[FieldProblem] | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem document as a dictionary (for callers outside a Starlette request)."""
    kind = problem_type(code, status)
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title(lang),
        "status": status,
        "detail": detail_en if lang == "en" else detail_da,
        "code": code,
    }
    if request_id:
        body["instance"] = f"urn:uuid:{request_id}"
        body["request_id"] = request_id
    if errors:
        body["errors"] = [error.model_dump() for error in errors]
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)
    return body


def problem_response(
    request: Request,
    *,
    code: str,
    status: int,
    detail_da: str,
    detail_en: str,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """The problem document for one error, in the request's negotiated language."""
    lang = negotiate_lang(request.headers.get("accept-language"))
    body = problem_body(
        code=code,
        status=status,
        detail_da=detail_da,
        detail_en=detail_en,
        lang=lang,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
        extensions=extensions,
    )
    merged = {"Content-Language": lang, "Vary": "Accept-Language", **(headers or {})}
    return JSONResponse(body, status_code=status, headers=merged, media_type=PROBLEM_MEDIA_TYPE)


# Danish texts for pydantic's validation error types; its own (English) text is the fallback.
_VALIDATION_DA: dict[str, str] = {
    "missing": "Feltet skal udfyldes",
    "string_too_short": "Teksten er for kort",
    "string_too_long": "Teksten er for lang",
    "string_type": "Skal være tekst",
    "string_pattern_mismatch": "Formatet er ugyldigt",
    "int_parsing": "Skal være et heltal",
    "int_type": "Skal være et heltal",
    "greater_than_equal": "Tallet er for lille",
    "less_than_equal": "Tallet er for stort",
    "greater_than": "Tallet er for lille",
    "less_than": "Tallet er for stort",
    "uuid_parsing": "Skal være et UUID",
    "uuid_type": "Skal være et UUID",
    "literal_error": "Ukendt værdi",
    "enum": "Ukendt værdi",
    "json_invalid": "Ugyldig JSON",
    "model_attributes_type": "Skal være et JSON-objekt",
    "dict_type": "Skal være et JSON-objekt",
    "list_type": "Skal være en liste",
    "too_short": "Listen er for kort",
    "too_long": "Listen er for lang",
    "datetime_parsing": "Ugyldigt tidspunkt",
    "datetime_from_date_parsing": "Ugyldigt tidspunkt",
    "date_from_datetime_parsing": "Ugyldig dato",
    "date_parsing": "Ugyldig dato",
    "timezone_aware": "Tidspunktet skal have en tidszone",
    "bool_parsing": "Skal være sand eller falsk",
    "extra_forbidden": "Feltet er ikke tilladt",
    "value_error": "Ugyldig værdi",
}


def validation_field_problems(
    errors: list[dict[str, Any]], lang: ProblemLang
) -> list[FieldProblem]:
    """Pydantic errors as field problems (never echoing the input: it may hold a CPR)."""
    problems = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        location = loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else ""
        field = ".".join(loc[1:] if location else loc)
        kind = str(err.get("type") or "value_error")
        english = str(err.get("msg") or kind)
        detail = english if lang == "en" else _VALIDATION_DA.get(kind, english)
        problems.append(
            FieldProblem(location=location or "body", field=field, code=kind, detail=detail)
        )
    return problems


def problem_openapi_responses() -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries naming the Problem schema for every 4xx/5xx (see ``app.py``)."""
    content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "4XX": {"description": "Client error (RFC 9457 problem details)", "content": content},
        "5XX": {"description": "Server error (RFC 9457 problem details)", "content": content},
    }
