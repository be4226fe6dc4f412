"""Danish and English text of the staff console (caseworker overview and DPO console)."""

from __future__ import annotations

from gateway.audit.console.labels import VALUE_LABELS
from gateway.web.i18n import register

register(
    {
        "staff.nav.overview": {"da": "Tværfagligt overblik", "en": "Interdisciplinary overview"},
        "staff.nav.dpo": {"da": "Revisionslog", "en": "Audit log"},
        "staff.title": {"da": "Tværfagligt overblik", "en": "Interdisciplinary overview"},
        "staff.intro": {
            "da": "Se, hvad kommunens forvaltninger må dele om en borger til et bestemt formål. "
            "Alt, du ser, bliver logget.",
            "en": "See what the municipality's departments may share about a citizen for a "
            "given purpose. Everything you see is logged.",
        },
        "staff.form.legend": {"da": "Find borger", "en": "Find citizen"},
        "staff.form.cpr": {"da": "CPR-nummer", "en": "CPR number"},
        "staff.form.cpr_help": {
            "da": "10 cifre, med eller uden bindestreg. Nummeret sendes aldrig i adresselinjen.",
            "en": "10 digits, with or without a hyphen. The number is never put in the address.",
        },
        "staff.form.purpose": {"da": "Formål", "en": "Purpose"},
        "staff.form.submit": {"da": "Vis overblik", "en": "Show overview"},
        "staff.form.no_purposes": {
            "da": "Din rolle kan ikke bruge nogen formål i kataloget.",
            "en": "Your role cannot use any purpose in the catalogue.",
        },
        "staff.result.heading": {"da": "Overblik: {purpose}", "en": "Overview: {purpose}"},
        "staff.result.citizen": {"da": "Borger", "en": "Citizen"},
        "staff.result.generated": {"da": "Hentet", "en": "Retrieved"},
        "staff.result.decision": {"da": "Beslutning", "en": "Decision"},
        "staff.result.summary": {
            "da": "{granted} vist · {withheld} tilbageholdt · {unavailable} utilgængelige",
            "en": "{granted} shown · {withheld} withheld · {unavailable} unavailable",
        },
        "staff.status.granted": {"da": "Vist", "en": "Shown"},
        "staff.status.withheld": {"da": "Tilbageholdt", "en": "Withheld"},
        "staff.status.unavailable": {"da": "Utilgængelig", "en": "Unavailable"},
        "staff.section.source": {"da": "Kilde", "en": "Source"},
        "staff.section.basis": {"da": "Grundlag", "en": "Basis"},
        "staff.section.retrieved": {"da": "Hentet", "en": "Retrieved"},
        "staff.basis.consent": {
            "da": "Samtykke {ref}, gyldigt til {until}",
            "en": "Consent {ref}, valid until {until}",
        },
        "staff.basis.statute": {"da": "Lovhjemmel: {ref}", "en": "Statute: {ref}"},
        "staff.basis.break_glass": {
            "da": "Nødadgang (episode {ref}) — gennemgås af DPO, borgeren får besked",
            "en": "Emergency access (episode {ref}) — reviewed by the DPO, the citizen is told",
        },
        "staff.bg.legend": {"da": "Nødadgang", "en": "Emergency access"},
        "staff.bg.intro": {
            "da": "Kun i en akut situation, hvor borgeren ikke kan give samtykke. Skriv hvorfor "
            "(mindst 20 tegn). Adgangen varer kort, gennemgås af databeskyttelsesrådgiveren, "
            "og borgeren får besked bagefter.",
            "en": "Only in an emergency where the citizen cannot consent. Write why (at least "
            "20 characters). Access is short, reviewed by the data protection officer, and "
            "the citizen is told afterwards.",
        },
        "staff.bg.justification": {"da": "Begrundelse", "en": "Justification"},
        "staff.bg.confirm": {
            "da": "Jeg bekræfter, at det er akut. Jeg ved, at adgangen gennemgås af "
            "databeskyttelsesrådgiveren, og at borgeren får besked.",
            "en": "I confirm this is an emergency. I know the access will be reviewed by the "
            "data protection officer and that the citizen will be told.",
        },
        "staff.bg.submit": {"da": "Brug nødadgang", "en": "Use emergency access"},
        "staff.basis.own_department": {
            "da": "Egen forvaltnings oplysninger",
            "en": "Your own department's information",
        },
        "staff.records.none": {"da": "Ingen oplysninger registreret.", "en": "Nothing recorded."},
        "staff.who5.caption": {
            "da": "WHO-5 trivselsscore over tid",
            "en": "WHO-5 wellbeing score over time",
        },
        "staff.who5.note": {
            "da": "Skala 0–100. Under 50 tyder på nedsat trivsel; 28 eller under bør følges op.",
            "en": "Scale 0–100. Below 50 suggests poor wellbeing; 28 or below should be "
            "followed up.",
        },
        "staff.who5.table": {"da": "Vis som tabel", "en": "Show as a table"},
        "staff.withheld.why": {"da": "Hvorfor", "en": "Why"},
        "staff.withheld.request": {"da": "Anmod om samtykke", "en": "Request consent"},
        "staff.withheld.request_covers": {
            "da": "Anmodningen omfatter: {categories}.",
            "en": "The request covers: {categories}.",
        },
        "staff.withheld.not_requestable": {
            "da": "Et samtykke kan ikke ændre dette.",
            "en": "A consent cannot change this.",
        },
        "staff.request.sent": {
            "da": "Anmodning om samtykke sendt til borgeren ({count} kategorier). Borgeren "
            "svarer i Tværs; du ser svaret under »Mine anmodninger«.",
            "en": "Consent request sent to the citizen ({count} categories). The citizen "
            'answers in Tværs; you see the answer under "My requests".',
        },
        "staff.request.pending": {
            "da": "Du har allerede bedt borgeren om samtykke til dette formål ({when}); "
            "anmodningen venter på svar. Der er ikke sendt en ny.",
            "en": "You already asked the citizen for consent to this purpose ({when}); "
            "the request awaits an answer. No new one was sent.",
        },
        "staff.nav.requests": {"da": "Mine anmodninger", "en": "My requests"},
        "staff.requests.intro": {
            "da": "Dine og din forvaltnings anmodninger om samtykke og borgernes svar, nyeste "
            "først.",
            "en": "Your and your department's consent requests and the citizens' answers, "
            "newest first.",
        },
        "staff.requests.mine": {"da": "Mine", "en": "Mine"},
        "staff.requests.team": {"da": "Forvaltningens øvrige", "en": "The rest of the department"},
        "staff.requests.none": {"da": "Ingen anmodninger.", "en": "No requests."},
        "staff.requests.sent": {"da": "Sendt", "en": "Sent"},
        "staff.requests.citizen": {"da": "Borger", "en": "Citizen"},
        "staff.requests.purpose": {"da": "Formål", "en": "Purpose"},
        "staff.requests.what": {"da": "Oplysninger", "en": "Information"},
        "staff.requests.status": {"da": "Svar", "en": "Answer"},
        "staff.requests.by": {"da": "Sendt af", "en": "Sent by"},
        "staff.requests.status.pending": {"da": "Afventer svar", "en": "Awaiting answer"},
        "staff.requests.status.approved": {"da": "Givet {when}", "en": "Given {when}"},
        "staff.requests.status.declined": {"da": "Afslået {when}", "en": "Declined {when}"},
        "staff.caseload.heading": {
            "da": "Samtykker, der udløber inden for 30 dage",
            "en": "Consents that expire within 30 days",
        },
        "staff.caseload.intro": {
            "da": "Aktive samtykker til din forvaltning, der snart udløber. Bed borgeren om et "
            "nyt i god tid, hvis samarbejdet fortsætter.",
            "en": "Active consents to your department that expire soon. Ask the citizen for a "
            "new one in good time if the work continues.",
        },
        "staff.caseload.none": {
            "da": "Ingen samtykker udløber inden for 30 dage.",
            "en": "No consents expire within 30 days.",
        },
        "staff.caseload.expires": {"da": "Udløber", "en": "Expires"},
        "staff.request.id": {"da": "Anmodning", "en": "Request"},
        "staff.preview.heading": {
            "da": "Du er ved at bede borgeren om samtykke",
            "en": "You are about to ask the citizen for consent",
        },
        "staff.preview.recipient": {"da": "Hvem må se det", "en": "Who may see it"},
        "staff.preview.until": {"da": "Gyldigt til og med", "en": "Valid until"},
        "staff.preview.covers": {
            "da": "Anmodningen omfatter det, formålet har brug for fra dette afsnit:",
            "en": "The request covers what the purpose needs from this section:",
        },
        "staff.preview.from": {"da": "fra {department}", "en": "from {department}"},
        "staff.preview.special": {
            "da": "følsomme oplysninger",
            "en": "sensitive information",
        },
        "staff.preview.fields": {"da": "Oplysninger", "en": "Details"},
        "staff.preview.also": {
            "da": "Tilføj også (tilbageholdt til samme formål)",
            "en": "Also add (withheld for the same purpose)",
        },
        "staff.preview.citizen_decides": {
            "da": "Borgeren får anmodningen i Tværs og bestemmer selv. Du ser svaret under "
            "»Mine anmodninger«.",
            "en": "The citizen gets the request in Tværs and decides. You see the answer "
            'under "My requests".',
        },
        "staff.preview.send": {"da": "Send anmodning", "en": "Send request"},
        "staff.request.message": {
            "da": "{name} fra {department} beder om dit samtykke til formålet »{purpose}«. "
            "Du bestemmer selv, og du kan altid trække et samtykke tilbage.",
            "en": "{name} from {department} asks for your consent to the purpose "
            "»{purpose}«. It is your choice, and you can always withdraw a consent.",
        },
        "staff.unavailable.retry": {"da": "Prøv igen", "en": "Try again"},
        "staff.unavailable.system": {"da": "System", "en": "System"},
        "staff.token_invalid": {
            "da": "Siden er for gammel. Søg borgeren frem igen.",
            "en": "The page is out of date. Look the citizen up again.",
        },
        # ---------------------------------------------------------------- DPO console
        "dpo.title": {"da": "Revisionslog", "en": "Audit log"},
        "dpo.intro": {
            "da": "Søg i alle opslag, se mønstre og mistænkelig adfærd, eksportér og "
            "kontrollér, at loggen ikke er ændret.",
            "en": "Search every access, see patterns and suspicious behaviour, export, and "
            "check that the log has not been altered.",
        },
        "dpo.filter.legend": {"da": "Filtrér", "en": "Filter"},
        "dpo.filter.since": {"da": "Fra dato", "en": "From date"},
        "dpo.filter.until": {"da": "Til og med dato", "en": "To date (inclusive)"},
        "dpo.filter.department": {"da": "Afdeling", "en": "Department"},
        "dpo.filter.actor": {"da": "Bruger", "en": "User"},
        "dpo.filter.purpose": {"da": "Formål", "en": "Purpose"},
        "dpo.filter.outcome": {"da": "Udfald", "en": "Outcome"},
        "dpo.filter.basis": {"da": "Grundlag", "en": "Basis"},
        "dpo.filter.cpr": {"da": "Borger (CPR-nummer)", "en": "Citizen (CPR number)"},
        "dpo.filter.cpr_help": {
            "da": "Matches på pseudonym under alle nøgler. Søgningen bliver selv logget.",
            "en": "Matched by pseudonym under every key. The search itself is logged.",
        },
        "dpo.filter.citizen_active": {
            "da": "Filtreret på én borger (CPR vises ikke).",
            "en": "Filtered on one citizen (CPR not shown).",
        },
        "dpo.filter.citizen_clear": {"da": "Fjern borgerfilter", "en": "Remove citizen filter"},
        "dpo.filter.all_events": {
            "da": "Vis alle hændelser (ikke kun opslag)",
            "en": "Show every event (not only look-ups)",
        },
        "dpo.filter.any": {"da": "Alle", "en": "All"},
        "dpo.filter.submit": {"da": "Søg", "en": "Search"},
        "dpo.filter.reset": {"da": "Nulstil", "en": "Reset"},
        "dpo.outcome.granted": {"da": "Udleveret", "en": "Granted"},
        "dpo.outcome.withheld": {"da": "Tilbageholdt", "en": "Withheld"},
        "dpo.outcome.unavailable": {"da": "Utilgængelig", "en": "Unavailable"},
        "dpo.outcome.denied": {"da": "Afvist", "en": "Denied"},
        "dpo.basis.consent": {"da": "Samtykke", "en": "Consent"},
        "dpo.basis.statute": {"da": "Lovhjemmel", "en": "Statute"},
        "dpo.basis.own_department": {"da": "Egen forvaltning", "en": "Own department"},
        "dpo.basis.break_glass": {"da": "Nødadgang", "en": "Emergency access"},
        "staff.nav.break_glass": {"da": "Nødadgang", "en": "Emergency access"},
        "dpo.bg.title": {"da": "Nødadgang til gennemgang", "en": "Emergency access to review"},
        "dpo.bg.intro": {
            "da": "Hver brug af nødadgang skal vurderes: var den berettiget?",
            "en": "Every use of emergency access must be assessed: was it justified?",
        },
        "dpo.bg.pending": {"da": "Venter", "en": "Waiting"},
        "dpo.bg.reviewed": {"da": "Gennemgået", "en": "Reviewed"},
        "dpo.bg.none": {"da": "Ingen venter.", "en": "None waiting."},
        "dpo.bg.justification": {"da": "Begrundelse", "en": "Justification"},
        "dpo.bg.seen": {"da": "Set", "en": "Seen"},
        "dpo.bg.views": {"da": "opslag", "en": "views"},
        "dpo.bg.recent": {
            "da": "Brugerens øvrige opslag: {views} de sidste 7 dage ({citizens} borgere); "
            "{episodes} nødadgange de sidste 90 dage.",
            "en": "The user's other look-ups: {views} in the last 7 days ({citizens} citizens); "
            "{episodes} emergency accesses in the last 90 days.",
        },
        "dpo.bg.verdict": {"da": "Vurdering", "en": "Verdict"},
        "dpo.bg.justified": {"da": "Berettiget", "en": "Justified"},
        "dpo.bg.unjustified": {"da": "Ikke berettiget", "en": "Not justified"},
        "dpo.bg.note": {"da": "Note", "en": "Note"},
        "dpo.bg.save": {"da": "Gem vurdering", "en": "Save verdict"},
        "dpo.anomalies.open": {"da": "Åben", "en": "Open"},
        "dpo.anomalies.handled": {"da": "Håndteret", "en": "Handled"},
        "dpo.anomalies.counts": {
            "da": "{open} åbne, {handled} håndterede",
            "en": "{open} open, {handled} handled",
        },
        "dpo.anomalies.investigated": {"da": "Undersøgt", "en": "Investigated"},
        "dpo.anomalies.dismissed": {"da": "Afvist som ufarlig", "en": "Dismissed"},
        "dpo.anomalies.triage": {"da": "Gem", "en": "Save"},
        "dpo.anomalies.heading": {"da": "Afvigelser", "en": "Anomalies"},
        "dpo.anomalies.none": {
            "da": "Ingen afvigelser i perioden.",
            "en": "No anomalies in the period.",
        },
        "dpo.anomalies.show": {"da": "Vis brugerens opslag", "en": "Show the user's look-ups"},
        "dpo.severity.high": {"da": "Høj", "en": "High"},
        "dpo.severity.medium": {"da": "Middel", "en": "Medium"},
        "dpo.charts.heading": {"da": "Overblik", "en": "Overview"},
        "dpo.charts.by_department": {
            "da": "Opslag pr. dag pr. afdeling",
            "en": "Look-ups per day by department",
        },
        "dpo.charts.by_purpose": {
            "da": "Opslag pr. dag pr. formål",
            "en": "Look-ups per day by purpose",
        },
        "dpo.charts.denial_rate": {
            "da": "Andel afviste og delvist tilbageholdte opslag pr. dag",
            "en": "Share of denied and partly withheld look-ups per day",
        },
        "dpo.charts.denied": {"da": "Afvist", "en": "Denied"},
        "dpo.charts.withheld": {"da": "Delvist tilbageholdt", "en": "Partly withheld"},
        "dpo.charts.top_users": {
            "da": "Brugere med flest forskellige borgere",
            "en": "Users with the most distinct citizens",
        },
        "dpo.charts.citizens": {"da": "Forskellige borgere", "en": "Distinct citizens"},
        "dpo.charts.accesses": {"da": "Opslag", "en": "Look-ups"},
        "dpo.charts.day": {"da": "Dag", "en": "Day"},
        "dpo.charts.as_table": {"da": "Vis tallene som tabel", "en": "Show the numbers as a table"},
        "dpo.charts.truncated": {
            "da": "Perioden har flere opslag end grænsen; tallene dækker de nyeste.",
            "en": "The period has more look-ups than the limit; the figures cover the newest.",
        },
        "dpo.results.heading": {"da": "Poster ({total})", "en": "Entries ({total})"},
        "dpo.results.none": {"da": "Ingen poster matcher.", "en": "No entries match."},
        "dpo.results.time": {"da": "Tidspunkt", "en": "Time"},
        "dpo.results.user": {"da": "Bruger", "en": "User"},
        "dpo.results.action": {"da": "Handling", "en": "Action"},
        "dpo.results.outcome": {"da": "Udfald", "en": "Outcome"},
        "dpo.results.categories": {"da": "Kategorier", "en": "Categories"},
        "dpo.results.citizen": {"da": "Borger (pseudonym)", "en": "Citizen (pseudonym)"},
        "dpo.results.leaf": {"da": "Indeks i loggen", "en": "Log index"},
        "dpo.results.pending": {"da": "afventer", "en": "pending"},
        "dpo.results.granted_short": {"da": "Udleveret", "en": "Granted"},
        "dpo.results.withheld_short": {"da": "Tilbageholdt", "en": "Withheld"},
        "dpo.results.unavailable_short": {"da": "Utilgængelig", "en": "Unavailable"},
        "dpo.results.older": {"da": "Vis ældre poster", "en": "Show older entries"},
        "dpo.results.synthetic": {"da": "syntetisk demo", "en": "synthetic demo"},
        "dpo.export.heading": {"da": "Eksport", "en": "Export"},
        "dpo.export.help": {
            "da": "Eksporterer alle poster, der matcher filteret. CSV åbner i Excel. Den "
            "signerede eksport kan kontrolleres offline med »tvaers audit verify full«.",
            "en": "Exports every entry matching the filter. CSV opens in Excel. The signed "
            "export can be checked offline with »tvaers audit verify full«.",
        },
        "dpo.export.csv": {"da": "Hent CSV", "en": "Download CSV"},
        "dpo.export.signed": {
            "da": "Hent signeret eksport (zip)",
            "en": "Download signed export (zip)",
        },
        "dpo.integrity.heading": {"da": "Loggens integritet", "en": "Log integrity"},
        "dpo.integrity.latest": {"da": "Seneste checkpoint", "en": "Latest checkpoint"},
        "dpo.integrity.size": {
            "da": "{size} poster, signeret {at}",
            "en": "{size} entries, signed {at}",
        },
        "dpo.integrity.none": {"da": "Intet checkpoint endnu.", "en": "No checkpoint yet."},
        "dpo.integrity.signature": {"da": "Signatur", "en": "Signature"},
        "dpo.integrity.consistency": {
            "da": "Konsistens med forrige checkpoint",
            "en": "Consistency with the previous checkpoint",
        },
        "dpo.integrity.key": {"da": "Offentlig nøgle", "en": "Public key"},
        "dpo.integrity.witnessed": {
            "da": "Bekræftet af vidner",
            "en": "Confirmed by witnesses",
        },
        "dpo.integrity.witness_size": {
            "da": "medsigneret til størrelse {size}, {gap} poster bagud",
            "en": "cosigned up to size {size}, {gap} entries behind",
        },
        "dpo.integrity.checked": {"da": "Kontrolleret {at}", "en": "Checked {at}"},
        "dpo.integrity.ok": {"da": "I orden", "en": "OK"},
        "dpo.integrity.failed": {"da": "FEJL", "en": "FAILED"},
        "dpo.integrity.not_checked": {"da": "Ikke relevant", "en": "Not applicable"},
        "dpo.integrity.verify": {
            "da": "Kontrollér hele loggen nu",
            "en": "Verify the whole log now",
        },
        "dpo.verify.running": {
            "da": "Kontrollerer … {phase} {percent} %",
            "en": "Verifying … {phase} {percent}%",
        },
        "dpo.verify.phase.export": {"da": "eksporterer", "en": "exporting"},
        "dpo.verify.phase.verify": {"da": "genberegner træet", "en": "recomputing the tree"},
        "dpo.verify.ok": {
            "da": "Hele loggen er kontrolleret: {entries} poster stemmer med de signerede "
            "checkpoints (størrelse {size}).",
            "en": "The whole log verified: {entries} entries match the signed checkpoints "
            "(size {size}).",
        },
        "dpo.verify.failed": {"da": "Kontrollen fejlede", "en": "Verification failed"},
        "dpo.verify.progress": {"da": "Fremdrift", "en": "Progress"},
        "dpo.filter.date_format": {"da": "dd.mm.åååå", "en": "dd.mm.yyyy"},
        "dpo.filter.date_help": {
            "da": "Datoer skrives dd.mm.åååå, fx 31.12.2026.",
            "en": "Dates are written dd.mm.yyyy, e.g. 31.12.2026.",
        },
    }
)

# Raw outcome, phase and action values of audit entries, in plain words (shared with the CSV).
register(
    {f"dpo.value.{value}": {"da": text.da, "en": text.en} for value, text in VALUE_LABELS.items()}
)
