# Consent as legal basis: find a consent in the input that covers a category
# for this purpose, source and recipient, and is in force now; when none does,
# say the most helpful reason why.
#
# Consents arrive in the input (the gateway loads the citizen's consents for
# the purpose), so evaluation cost does not grow with the consent store.
package tvaers.consent

import rego.v1

import data.tvaers.lib

# Categories whose data crosses a boundary under a consent-based purpose.
needed contains cat if {
	lib.purpose.basis.kind == "consent"
	some cat in lib.requested
	dept := lib.category_department(cat)
	dept != input.subject.department
}

for_purpose contains consent if {
	some consent in input.consents
	consent.purpose == input.purpose
}

covers(consent, cat) if {
	cat in consent.categories
	lib.category_department(cat) in consent.source_departments
	input.subject.department in consent.recipient_departments
}

# valid_from <= now < valid_until, compared as instants (offsets allowed).
in_force(consent) if {
	lib.time_ns(consent.valid_from) <= lib.now_ns
	lib.now_ns < lib.time_ns(consent.valid_until)
}

# Partial rules rather than functions: regorus caches a rule's value for the
# whole evaluation but re-evaluates a function's body on every call.
qualifying[cat] := found if {
	some cat in needed
	found := {consent |
		some consent in for_purpose
		consent.status == "active"
		covers(consent, cat)
		in_force(consent)
	}
}

# Several consents may qualify: take the one that lasts longest, then the
# smallest id, so every engine picks the same one.
chosen[cat] := consent_id if {
	some cat, found in qualifying
	count(found) > 0
	latest := max({lib.time_ns(consent.valid_until) | some consent in found})
	consent_id := min({consent.id | some consent in found; lib.time_ns(consent.valid_until) == latest})
}

unmet contains cat if {
	some cat, found in qualifying
	count(found) == 0
}

expired(consent) if consent.status == "expired"

expired(consent) if {
	consent.status == "active"
	lib.now_ns >= lib.time_ns(consent.valid_until)
}

# "Sundhedsforvaltningen deler »Trivsel (WHO-5)« med Jobcenter (beskæftigelse)"
sharing(cat, lang, verb) := sprintf("%s %s »%s« %s %s", [
	lib.department_title(lib.category_department(cat), lang),
	verb,
	lib.category_title(cat, lang),
	with_word(lang),
	lib.department_title(input.subject.department, lang),
])

with_word("da") := "med"

with_word("en") := "with"

# METADATA
# title: Consent withdrawn
# description: >-
#   The citizen gave a consent that would cover this sharing but has
#   withdrawn it.
# custom:
#   short_name: consent_withdrawn
deny contains result if {
	some cat in unmet
	some consent in for_purpose
	consent.status == "withdrawn"
	covers(consent, cat)
	result := lib.denial(
		cat, 70, "consent_withdrawn",
		sprintf("Borgeren har trukket sit samtykke tilbage til, at %s til formålet »%s«.", [sharing(cat, "da", "deler"), lib.purpose_title("da")]),
		sprintf("The citizen has withdrawn their consent that %s for the purpose »%s«.", [sharing(cat, "en", "shares"), lib.purpose_title("en")]),
	)
}

# METADATA
# title: Consent expired
# description: >-
#   A consent covered this sharing, but its validity period has ended.
# custom:
#   short_name: consent_expired
deny contains result if {
	some cat in unmet
	some consent in for_purpose
	covers(consent, cat)
	expired(consent)
	result := lib.denial(
		cat, 71, "consent_expired",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, er udløbet. Borgeren kan give et nyt samtykke.", [sharing(cat, "da", "deler"), lib.purpose_title("da")]),
		sprintf("The citizen's consent that %s for the purpose »%s« has expired. The citizen can give a new consent.", [sharing(cat, "en", "shares"), lib.purpose_title("en")]),
	)
}

# METADATA
# title: Consent not yet valid
# description: >-
#   A consent covers this sharing, but its validity period has not started.
# custom:
#   short_name: consent_not_yet_valid
deny contains result if {
	some cat in unmet
	some consent in for_purpose
	consent.status == "active"
	covers(consent, cat)
	lib.now_ns < lib.time_ns(consent.valid_from)
	result := lib.denial(
		cat, 72, "consent_not_yet_valid",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, gælder endnu ikke.", [sharing(cat, "da", "deler"), lib.purpose_title("da")]),
		sprintf("The citizen's consent that %s for the purpose »%s« is not valid yet.", [sharing(cat, "en", "shares"), lib.purpose_title("en")]),
	)
}

# METADATA
# title: Consent does not cover the sharing
# description: >-
#   The citizen has a consent in force for the purpose, but it does not list
#   this category, its source department or the requesting department.
# custom:
#   short_name: consent_scope
deny contains result if {
	some cat in unmet
	some consent in for_purpose
	consent.status == "active"
	in_force(consent)
	not covers(consent, cat)
	result := lib.denial(
		cat, 73, "consent_scope",
		sprintf("Borgerens samtykke til formålet »%s« dækker ikke, at %s.", [lib.purpose_title("da"), sharing(cat, "da", "deler")]),
		sprintf("The citizen's consent for the purpose »%s« does not cover that %s.", [lib.purpose_title("en"), sharing(cat, "en", "shares")]),
	)
}

# METADATA
# title: Consent missing
# description: >-
#   The purpose needs the citizen's consent for this sharing and there is none.
# custom:
#   short_name: consent_missing
deny contains result if {
	some cat in unmet
	result := lib.denial(
		cat, 74, "consent_missing",
		sprintf("Borgeren har ikke givet samtykke til, at %s til formålet »%s«.", [sharing(cat, "da", "deler"), lib.purpose_title("da")]),
		sprintf("The citizen has not consented that %s for the purpose »%s«.", [sharing(cat, "en", "shares"), lib.purpose_title("en")]),
	)
}
