"""The portal's words for what a citizen is told before and after consenting (issue 14):
controller, DPO, what a no means, withdrawal, retention, lawful basis, notice text, history,
and staff-recorded consents waiting for the citizen's confirmation."""

from __future__ import annotations

from gateway.web.i18n import register

register(
    {
        "portal.status.pending_confirmation": {
            "da": "Venter på bekræftelse",
            "en": "Waiting for confirmation",
        },
        "portal.recorded_by": {
            "da": "Registreret af en medarbejder i {department}",
            "en": "Recorded by a member of staff in {department}",
        },
        "portal.confirm.title": {
            "da": "Samtykker, som en medarbejder har registreret",
            "en": "Consents recorded by a member of staff",
        },
        "portal.confirm.intro": {
            "da": "En medarbejder har skrevet, at du har givet disse samtykker. De bruges ikke, "
            "før du selv eller den forvaltning, oplysningerne kommer fra, har bekræftet dem. "
            "Er det rigtigt, kan du bekræfte. Er det ikke rigtigt, så tilbagekald samtykket.",
            "en": "A member of staff has written that you gave these consents. They are not "
            "used until you or the department the information comes from has confirmed them. "
            "If that is right, you can confirm. If not, withdraw the consent.",
        },
        "portal.confirm.button": {"da": "Bekræft samtykket", "en": "Confirm the consent"},
        "portal.flash.confirmed": {
            "da": "Tak. Samtykket er bekræftet og gælder nu.",
            "en": "Thank you. The consent is confirmed and now in force.",
        },
        "portal.terms.title": {
            "da": "Det skal du vide, før du svarer",
            "en": "What you should know before you answer",
        },
        "portal.terms.about": {"da": "Om samtykket", "en": "About the consent"},
        "portal.terms.controller": {"da": "Dataansvarlig", "en": "Data controller"},
        "portal.terms.dpo": {
            "da": "Databeskyttelsesrådgiver (DPO)",
            "en": "Data protection officer (DPO)",
        },
        "portal.terms.no": {"da": "Hvis du siger nej", "en": "If you say no"},
        "portal.terms.no_text": {
            "da": "Så deles oplysningerne ikke. Kommunen kan kun bruge de oplysninger, den "
            "allerede har eller på anden lovlig måde kan skaffe, og din sag kan blive afgjort "
            "på det grundlag (retssikkerhedsloven § 11 b). Spørg din sagsbehandler, hvad det "
            "betyder i din sag.",
            "en": "Then the information is not shared. The municipality can use only the "
            "information it already has or can obtain in another lawful way, and your case "
            "may be decided on that basis (retssikkerhedsloven § 11 b). Ask your caseworker "
            "what that means in your case.",
        },
        "portal.terms.withdraw": {
            "da": "Du kan trække samtykket tilbage når som helst",
            "en": "You can withdraw the consent at any time",
        },
        "portal.terms.retention": {"da": "Opbevaring", "en": "Retention"},
        "portal.terms.basis": {"da": "Hjemmel", "en": "Lawful basis"},
        "portal.terms.notice": {
            "da": "Hele samtykketeksten (version {version})",
            "en": "The full consent notice (version {version})",
        },
        "portal.terms.history": {"da": "Historik", "en": "History"},
        "portal.history.created": {"da": "Givet", "en": "Given"},
        "portal.history.confirmed": {"da": "Bekræftet", "en": "Confirmed"},
        "portal.history.withdrawn": {"da": "Tilbagekaldt", "en": "Withdrawn"},
        "portal.receipt.withdrawal": {
            "da": "Kvittering for tilbagekaldelsen (signeret JWS)",
            "en": "Receipt for the withdrawal (signed JWS)",
        },
    }
)
