"""Danish-first user interface text with English beside it.

Messages are plain dictionaries ``key -> {"da": ..., "en": ...}``: each page module registers
its own with :func:`register` at import time. Language comes from the ``tvaers_lang`` cookie
(set by the visible switch), Danish by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from starlette.requests import Request

Lang = Literal["da", "en"]
LANGS: tuple[Lang, ...] = ("da", "en")
LANG_COOKIE = "tvaers_lang"

_MESSAGES: dict[str, dict[str, str]] = {}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add messages; every message needs both ``da`` and ``en``; keys must be new."""
    for key, texts in messages.items():
        if set(texts) != set(LANGS):
            raise ValueError(f"message {key!r} needs exactly da and en")
        if key in _MESSAGES and _MESSAGES[key] != dict(texts):
            raise ValueError(f"message {key!r} registered twice with different text")
        _MESSAGES[key] = dict(texts)


def translate(key: str, lang: str, /, **values: Any) -> str:
    """The message in ``lang``; ``{name}`` placeholders are filled from ``values``."""
    texts = _MESSAGES.get(key)
    if texts is None:
        # A missing key is a bug, but a page that shows the key is better than a 500.
        return key
    text = texts.get(lang) or texts["da"]
    return text.format(**values) if values else text


def known_keys() -> set[str]:
    return set(_MESSAGES)


def is_known(key: str) -> bool:
    """Whether a message ``key`` is registered (no copy of the key set, unlike ``known_keys``)."""
    return key in _MESSAGES


def request_lang(request: Request) -> Lang:
    """The visitor's language: the cookie if valid, else Danish."""
    value = request.cookies.get(LANG_COOKIE)
    return "en" if value == "en" else "da"


class Translator:
    """Bound to one language; templates call it as ``t("key", name=...)``."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, /, **values: Any) -> str:
        return translate(key, self.lang, **values)


register(
    {
        "app.name": {"da": "Tværs", "en": "Tværs"},
        "app.solution": {
            "da": "Tværs · samtykke til deling af oplysninger",
            "en": "Tværs · consent to sharing information",
        },
        "form.error_prefix": {"da": "Fejl:", "en": "Error:"},
        "app.tagline": {
            "da": "Deling af oplysninger mellem kommunens forvaltninger — kun med dit samtykke",
            "en": "Sharing information between the municipality's departments — "
            "only with your consent",
        },
        "nav.skip": {"da": "Gå til indhold", "en": "Skip to content"},
        "nav.main": {"da": "Hovedmenu", "en": "Main menu"},
        "nav.logout": {"da": "Log ud", "en": "Log out"},
        "nav.login": {"da": "Log ind", "en": "Log in"},
        "nav.logged_in_as": {"da": "Logget ind som {name}", "en": "Logged in as {name}"},
        "lang.switch": {"da": "English", "en": "Dansk"},
        "lang.switch_label": {"da": "Switch to English", "en": "Skift til dansk"},
        "footer.demo": {
            "da": "Demonstration med syntetiske borgere og simulerede fagsystemer.",
            "en": "Demonstration with synthetic citizens and simulated department systems.",
        },
        "footer.a11y": {"da": "Tilgængelighedserklæring", "en": "Accessibility statement"},
        "a11y.title": {"da": "Tilgængelighedserklæring", "en": "Accessibility statement"},
        "login.title": {"da": "Log ind", "en": "Log in"},
        "login.citizen": {"da": "Log ind som borger", "en": "Log in as a citizen"},
        "login.citizen_help": {
            "da": "Se og styr, hvem i kommunen der må se dine oplysninger.",
            "en": "See and decide who in the municipality may see your information.",
        },
        "login.employee": {"da": "Log ind som medarbejder", "en": "Log in as an employee"},
        "login.failed": {
            "da": "Login mislykkedes. Prøv igen.",
            "en": "Login failed. Please try again.",
        },
        "logout.done": {"da": "Du er logget ud.", "en": "You are logged out."},
        "logout.here": {
            "da": "Du er logget ud af Tværs. Nu logger vi dig også ud hos login-udbyderen.",
            "en": "You are logged out of Tværs. Now we log you out at the login provider too.",
        },
        "logout.provider": {
            "da": "Log også ud hos login-udbyderen",
            "en": "Log out at the login provider too",
        },
        "login.assurance_help": {
            "da": "Log ind igen på et højere sikringsniveau. Spørg kommunen, hvis det ikke lykkes.",
            "en": "Log in again at a higher assurance level. Ask the municipality if that "
            "does not work.",
        },
        "error.title": {"da": "Noget gik galt", "en": "Something went wrong"},
        "error.400": {
            "da": "Forespørgslen kunne ikke bruges.",
            "en": "The request could not be used.",
        },
        "error.401": {"da": "Du skal logge ind.", "en": "You need to log in."},
        "error.403": {
            "da": "Du har ikke adgang til denne side.",
            "en": "You do not have access to this page.",
        },
        "error.404": {"da": "Siden findes ikke.", "en": "The page does not exist."},
        "error.405": {
            "da": "Siden kan ikke bruges på den måde.",
            "en": "The page cannot be used that way.",
        },
        "error.413": {
            "da": "Det, du sendte, var for stort.",
            "en": "What you sent was too large.",
        },
        "error.409": {
            "da": "Det er allerede sket — siden var forældet.",
            "en": "That has already happened — the page was out of date.",
        },
        "error.422": {
            "da": "Oplysningerne kunne ikke godkendes.",
            "en": "The information was not accepted.",
        },
        "error.429": {
            "da": "Du har prøvet mange gange på kort tid. Vent et minut, og prøv igen.",
            "en": "You have tried many times in a short while. Wait a minute and try again.",
        },
        "error.500": {"da": "Der skete en fejl hos os.", "en": "An error happened on our side."},
        "error.503": {
            "da": "Systemet er midlertidigt utilgængeligt. Intet er delt. Prøv igen om lidt.",
            "en": "The system is temporarily unavailable. Nothing was shared. Try again shortly.",
        },
        "error.csrf": {
            "da": "Formularen var for gammel. Gå tilbage, genindlæs siden og prøv igen.",
            "en": "The form was too old. Go back, reload the page and try again.",
        },
        "error.back": {"da": "Gå til forsiden", "en": "Go to the front page"},
        "devidp.title": {"da": "Vælg en demobruger", "en": "Choose a demo user"},
        "devidp.explain": {
            "da": "Dette er udviklingsudgavens login. I drift logger borgere ind med MitID og "
            "medarbejdere med kommunens login.",
            "en": "This is the development login. In production citizens log in with MitID and "
            "employees with the municipality's login.",
        },
        "devidp.citizens": {"da": "Borgere (syntetiske)", "en": "Citizens (synthetic)"},
        "devidp.employees": {"da": "Medarbejdere", "en": "Employees"},
    }
)
