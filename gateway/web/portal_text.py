"""The citizen portal's words, Danish first. Short sentences, no jargon."""

from __future__ import annotations

from gateway.web.i18n import register

register(
    {
        "portal.nav.consents": {"da": "Mine samtykker", "en": "My consents"},
        "portal.nav.log": {"da": "Min log", "en": "My log"},
        "portal.nav.inbox": {"da": "Indbakke", "en": "Inbox"},
        "inbox.title": {"da": "Indbakke", "en": "Inbox"},
        "inbox.intro": {
            "da": "Her er de beskeder, Tværs har sendt dig: når nogen har bedt om dit samtykke, "
            "når et samtykke er registreret, udløber eller er tilbagekaldt, og når dine "
            "oplysninger er set uden dit samtykke.",
            "en": "These are the messages Tværs has sent you: when someone asked for your "
            "consent, when a consent was recorded, expires or was withdrawn, and when your data "
            "was seen without your consent.",
        },
        "inbox.none": {"da": "Ingen beskeder.", "en": "No messages."},
        "inbox.copy": {
            "da": "Hent en kopi af alt, Tværs har om dig (til udskrift)",
            "en": "Get a copy of everything Tværs holds about you (printable)",
        },
        "inbox.copy_json": {"da": "Hent kopien som JSON", "en": "Download the copy as JSON"},
        "portal.title": {"da": "Mine samtykker", "en": "My consents"},
        "portal.intro": {
            "da": "Her bestemmer du, hvilke oplysninger kommunens forvaltninger må dele om dig. "
            "Du kan altid trække et samtykke tilbage.",
            "en": "Here you decide what the municipality's departments may share about you. "
            "You can always take a consent back.",
        },
        "portal.pending.title": {"da": "Spørgsmål til dig", "en": "Questions for you"},
        "portal.pending.none": {
            "da": "Ingen venter på dit svar.",
            "en": "Nobody is waiting for your answer.",
        },
        "portal.pending.from": {"da": "Fra {department}", "en": "From {department}"},
        "portal.pending.answer": {"da": "Læs og svar", "en": "Read and answer"},
        "portal.active.title": {"da": "Gældende samtykker", "en": "Consents in force"},
        "portal.active.none": {
            "da": "Du har ingen gældende samtykker. Intet deles med dit samtykke.",
            "en": "You have no consents in force. Nothing is shared with your consent.",
        },
        "portal.earlier.title": {"da": "Tidligere samtykker", "en": "Earlier consents"},
        "portal.read_more": {"da": "Se samtykket", "en": "See the consent"},
        "portal.status.active": {"da": "Gælder", "en": "In force"},
        "portal.status.withdrawn": {"da": "Tilbagekaldt", "en": "Taken back"},
        "portal.status.expired": {"da": "Udløbet", "en": "Expired"},
        "portal.status.pending": {"da": "Venter på dit svar", "en": "Waiting for your answer"},
        "portal.status.approved": {"da": "Godkendt", "en": "Approved"},
        "portal.status.declined": {"da": "Afvist", "en": "Declined"},
        "portal.who": {"da": "Hvem må se det?", "en": "Who may see it?"},
        "portal.what": {"da": "Hvad må de se?", "en": "What may they see?"},
        "portal.why": {"da": "Hvorfor?", "en": "Why?"},
        "portal.until": {"da": "Hvor længe?", "en": "For how long?"},
        "portal.until_value": {"da": "Til og med {date}", "en": "Until {date}"},
        "portal.from_dept": {"da": "fra {department}", "en": "from {department}"},
        "portal.special": {
            "da": "Særligt følsomme oplysninger",
            "en": "Especially sensitive information",
        },
        "portal.details": {"da": "Præcis hvilke oplysninger", "en": "Exactly which details"},
        "portal.given": {"da": "Givet", "en": "Given"},
        "portal.given_on": {"da": "Givet {date}", "en": "Given {date}"},
        "portal.withdrawn_on": {"da": "trukket tilbage {date}", "en": "taken back {date}"},
        "portal.expired_on": {"da": "udløb {date}", "en": "expired {date}"},
        "portal.withdrawn_at": {"da": "Tilbagekaldt", "en": "Taken back"},
        "portal.consent.title": {"da": "Samtykke: {purpose}", "en": "Consent: {purpose}"},
        "portal.revoke": {"da": "Træk samtykket tilbage", "en": "Take the consent back"},
        "portal.revoke.question": {
            "da": "Vil du trække samtykket tilbage?",
            "en": "Do you want to take the consent back?",
        },
        "portal.revoke.explain": {
            "da": "Fra det øjeblik kan {recipients} ikke se nye oplysninger om dig til dette "
            "formål. Det, de allerede har fået og lagt i din sag, bliver i sagen. Din log viser "
            "stadig, hvad de har set.",
            "en": "From that moment {recipients} cannot see any new information about you for "
            "this purpose. What they have already received and put in your case file stays "
            "there. Your log still shows what they have seen.",
        },
        "portal.revoke.yes": {"da": "Ja, træk det tilbage", "en": "Yes, take it back"},
        "portal.revoke.no": {"da": "Nej, behold det", "en": "No, keep it"},
        "portal.receipt.title": {"da": "Kvittering", "en": "Receipt"},
        "portal.receipt.jws": {
            "da": "Hent den signerede kvittering (JWS)",
            "en": "Download the signed receipt (JWS)",
        },
        "portal.receipt.print": {"da": "Vis kvittering til udskrift", "en": "Printable receipt"},
        "portal.receipt.print_button": {"da": "Udskriv", "en": "Print"},
        "portal.receipt.intro": {
            "da": "Kvittering for dit samtykke. Den signerede udgave nedenfor kan kontrolleres "
            "med kommunens offentlige nøgle.",
            "en": "Receipt for your consent. The signed version below can be checked with the "
            "municipality's public key.",
        },
        "portal.receipt.id": {"da": "Samtykke-id", "en": "Consent id"},
        "portal.receipt.method": {"da": "Givet via", "en": "Given via"},
        "portal.receipt.signed": {"da": "Signeret kvittering", "en": "Signed receipt"},
        "portal.method.citizen_portal": {"da": "Borgerportalen", "en": "The citizen portal"},
        "portal.method.written_form": {"da": "Skriftlig erklæring", "en": "Written form"},
        "portal.method.oral_recorded": {
            "da": "Mundtligt (noteret i journalen)",
            "en": "Orally (recorded in the case file)",
        },
        "portal.back": {"da": "Tilbage til Mine samtykker", "en": "Back to My consents"},
        "portal.request.title": {
            "da": "{department} spørger om dit samtykke",
            "en": "{department} asks for your consent",
        },
        "portal.request.message": {
            "da": "Besked fra sagsbehandleren",
            "en": "Message from the caseworker",
        },
        "portal.request.choice": {
            "da": "Du bestemmer. Siger du nej, deles intet, og din sag fortsætter.",
            "en": "It is your choice. If you say no, nothing is shared and your case goes on.",
        },
        "portal.request.approve": {"da": "Ja, jeg giver samtykke", "en": "Yes, I consent"},
        "portal.request.decline": {"da": "Nej tak", "en": "No, thank you"},
        "portal.request.answered": {
            "da": "Du har svaret på denne anmodning.",
            "en": "You have answered this request.",
        },
        "portal.flash.approved": {
            "da": "Tak. Dit samtykke er registreret.",
            "en": "Thank you. Your consent is recorded.",
        },
        "portal.flash.declined": {
            "da": "Du har sagt nej. Intet deles, og sagsbehandleren får dit svar.",
            "en": "You said no. Nothing is shared, and the caseworker gets your answer.",
        },
        "portal.flash.revoked": {
            "da": "Samtykket er trukket tilbage. Fra nu af deles disse oplysninger ikke. Det, "
            "der allerede står i din sag, bliver der.",
            "en": "The consent is taken back. From now on this information is not shared. "
            "What is already in your case file stays there.",
        },
        "log.title": {"da": "Min log", "en": "My log"},
        "log.intro": {
            "da": "Her står hver gang nogen i kommunen har bedt om dine oplysninger gennem Tværs, "
            "og hvad de fik at se. Hver linje kan kontrolleres med en kvittering.",
            "en": "Every time someone in the municipality asked for your information through "
            "Tværs is listed here, with what they were shown. Each line can be checked with a "
            "receipt.",
        },
        "log.none": {
            "da": "Ingen har set dine oplysninger.",
            "en": "Nobody has seen your information.",
        },
        "log.caption": {"da": "Adgange til dine oplysninger", "en": "Access to your information"},
        "log.when": {"da": "Tidspunkt", "en": "Time"},
        "log.who": {"da": "Hvem", "en": "Who"},
        "log.purpose": {"da": "Formål", "en": "Purpose"},
        "log.result": {"da": "Hvad skete der", "en": "What happened"},
        "log.proof": {"da": "Bevis", "en": "Proof"},
        "log.shown": {"da": "Vist: {what}", "en": "Shown: {what}"},
        "log.withheld": {"da": "Ikke vist: {what}", "en": "Not shown: {what}"},
        "log.nothing_shown": {"da": "Intet blev vist.", "en": "Nothing was shown."},
        "log.you": {"da": "Dig", "en": "You"},
        "log.representative.fuldmagt": {
            "da": "din fuldmægtig (fuldmagt {ref}, gyldig til {until})",
            "en": "your attorney (power of attorney {ref}, valid until {until})",
        },
        "log.representative.vaerge": {
            "da": "din værge (værgemål {ref}, gyldigt til {until})",
            "en": "your guardian (guardianship {ref}, valid until {until})",
        },
        "portal.represented.title": {
            "da": "Du kan også handle for",
            "en": "You can also act for",
        },
        "portal.represented.kind.fuldmagt": {
            "da": "fuldmagt {ref}, gyldig til {until}",
            "en": "power of attorney {ref}, valid until {until}",
        },
        "portal.represented.kind.vaerge": {
            "da": "værgemål {ref}, gyldigt til {until}",
            "en": "guardianship {ref}, valid until {until}",
        },
        "portal.represented.page": {
            "da": "Samtykker for {name}",
            "en": "Consents for {name}",
        },
        "portal.represented.intro": {
            "da": "Du handler for {name} efter din {what}. Det, du gør her, står i "
            "{name}s egen log.",
            "en": "You act for {name} under your {what}. What you do here is shown in "
            "{name}'s own log.",
        },
        "portal.represented.none": {
            "da": "Der er ingen samtykker, som din fuldmagt eller dit værgemål dækker.",
            "en": "There are no consents your authority covers.",
        },
        "portal.represented.withdraw": {
            "da": "Træk samtykket tilbage for {name}",
            "en": "Withdraw the consent for {name}",
        },
        "portal.scope": {"da": "Gælder kun for", "en": "Only for"},
        "portal.scope.teams": {"da": "team: {teams}", "en": "team: {teams}"},
        "portal.scope.members": {"da": "personer: {members}", "en": "people: {members}"},
        "portal.granted_by": {
            "da": "Givet af din repræsentant",
            "en": "Given by your representative",
        },
        "portal.withdrawn_by": {
            "da": "Trukket tilbage af din repræsentant",
            "en": "Withdrawn by your representative",
        },
        "log.action.consent.create": {"da": "Samtykke givet", "en": "Consent given"},
        "log.action.consent.withdraw": {
            "da": "Samtykke trukket tilbage",
            "en": "Consent taken back",
        },
        "log.action.consent.search": {
            "da": "Slog dine samtykker op",
            "en": "Looked up your consents",
        },
        "log.action.consent_request.create": {
            "da": "Spurgte om dit samtykke",
            "en": "Asked for your consent",
        },
        "log.action.consent_request.approve": {"da": "Du sagde ja", "en": "You said yes"},
        "log.action.consent_request.decline": {"da": "Du sagde nej", "en": "You said no"},
        "log.action.other": {"da": "Hændelse", "en": "Event"},
        "log.receipt": {"da": "Hent kvittering", "en": "Download receipt"},
        "log.entry": {"da": "Hent posten", "en": "Download the entry"},
        "log.period": {"da": "Periode", "en": "Period"},
        "log.period.30": {"da": "De seneste 30 dage", "en": "The last 30 days"},
        "log.period.90": {"da": "De seneste 3 måneder", "en": "The last 3 months"},
        "log.period.365": {"da": "Det seneste år", "en": "The last year"},
        "log.period.all": {"da": "Hele perioden", "en": "All time"},
        "log.period.show": {"da": "Vis", "en": "Show"},
        "log.verify": {"da": "Bekræft kvitteringen", "en": "Verify the receipt"},
        "log.verify.working": {"da": "Kontrollerer …", "en": "Checking …"},
        "log.verify.ok": {
            "da": "Bekræftet: posten står som nr. {index} i den signerede log ({size} poster).",
            "en": "Verified: the entry is number {index} in the signed log ({size} entries).",
        },
        "log.verify.fail_signature": {
            "da": "Ikke bekræftet: logens signatur passer ikke med nøglen.",
            "en": "Not verified: the log's signature does not match the key.",
        },
        "log.verify.fail_inclusion": {
            "da": "Ikke bekræftet: posten findes ikke i den signerede log.",
            "en": "Not verified: the entry is not in the signed log.",
        },
        "log.verify.fail_download": {
            "da": "Kvitteringen eller posten kunne ikke hentes. Prøv igen.",
            "en": "The receipt or the entry could not be downloaded. Try again.",
        },
        "log.verify.fail_key": {
            "da": "Ikke bekræftet: logens nøgle kan ikke læses.",
            "en": "Not verified: the log's key cannot be read.",
        },
        "log.verify.fail_malformed": {
            "da": "Ikke bekræftet: kvitteringen kan ikke læses.",
            "en": "Not verified: the receipt cannot be read.",
        },
        "log.cli.summary": {
            "da": "Kontrollér selv på din egen computer",
            "en": "Check it yourself on your own computer",
        },
        "log.cli.explain": {
            "da": "Knappen kontrollerer kvitteringen i din browser. Du kan også hente kvitteringen "
            "og posten og kontrollere dem med Tværs' kommandolinjeværktøj, uden forbindelse til "
            "kommunen. Sammenlign nøglen med den, kommunen offentliggør.",
            "en": "The button checks the receipt in your browser. You can also download the "
            "receipt and the entry and check them with the Tværs command-line tool, without "
            "contacting the municipality. Compare the key with the one the municipality "
            "publishes.",
        },
        "log.pending": {
            "da": "Kvitteringen er klar om et øjeblik.",
            "en": "The receipt is ready in a moment.",
        },
        "log.older": {"da": "Vis ældre", "en": "Show older"},
    }
)
