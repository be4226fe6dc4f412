# Consent as legal basis: find a consent in the input that covers a category
# for this purpose, source and recipient, and is in force now; when none does,
# say the most helpful reason why.
#
# Consents arrive in the input (the gateway loads the citizen's consents for
# the purpose), so evaluation cost does not grow with the consent store.
package tvaers.consent

import rego.v1

# Categories whose data crosses a boundary under a consent-based purpose.
# (Catalogue look-ups through a local bound once: a ref into data costs
# regorus several microseconds each time, see assembly.rego.)
needed contains cat if {
	data.tvaers.lib.purpose.basis.kind == "consent"
	catalogue_categories := data.catalogue.categories
	requester := input.subject.department
	some cat in data.tvaers.lib.requested
	catalogue_categories[cat].department != requester
}

for_purpose contains consent if {
	some consent in input.consents
	consent.purpose == input.purpose
}

covers(consent, cat) if {
	cat in consent.categories
	data.tvaers.lib.category_department(cat) in consent.source_departments
	input.subject.department in consent.recipient_departments
}

# Scope (issue 14): a consent without one reaches everyone in its recipient
# departments; a scoped one only the members it names (user ids) and the
# members of the teams it names (the subject's teams come from a token claim,
# never from the request body). The window is the consent's own validity.
in_scope(consent) if object.get(consent, "scope", null) == null

in_scope(consent) if {
	scope := object.get(consent, "scope", null)
	is_object(scope)
	input.subject.user_id in object.get(scope, "members", [])
}

in_scope(consent) if {
	scope := object.get(consent, "scope", null)
	is_object(scope)
	some team in object.get(input.subject, "teams", [])
	team in object.get(scope, "teams", [])
}

in_scope_value(consent) := true if in_scope(consent)

in_scope_value(consent) := false if not in_scope(consent)

# The consents that can be a basis now for this requester: for the purpose,
# active, naming the requester's department as recipient, and in force.
# Built once per decision (each consent's times are parsed once) and ordered
# best first: the one that lasts longest, then the smallest id, so every
# engine picks the same consent when several qualify.
ranked := sort([[0 - until, consent.id, i] |
	requester := input.subject.department
	now := data.tvaers.lib.now_ns
	some i, consent in input.consents
	consent.purpose == input.purpose
	consent.status == "active"
	requester in consent.recipient_departments
	in_scope(consent)
	time.parse_rfc3339_ns(consent.valid_from) <= now
	until := time.parse_rfc3339_ns(consent.valid_until)
	now < until
])

usable := [entry |
	some rank in ranked
	consent := input.consents[rank[2]]
	entry := {"id": rank[1], "categories": consent.categories, "sources": consent.source_departments}
]

# The consent that makes cat (served by source) shareable: the first usable
# one that covers it. Undefined if none does.
choose(cat, source, candidates) := ids[0] if {
	ids := [entry.id |
		some entry in candidates
		cat in entry.categories
		source in entry.sources
	]
	count(ids) > 0
}

chosen[cat] := consent_id if {
	catalogue_categories := data.catalogue.categories
	candidates := usable
	some cat in needed
	consent_id := choose(cat, catalogue_categories[cat].department, candidates)
}

unmet contains cat if {
	some cat in needed
	not chosen[cat]
}

# Why a category is unmet, found per consent rather than per (category,
# consent) pair: one pass over the consents of the purpose parses each one's
# times once and collects the categories it would cover; the deny rules below
# then only test set membership. Explaining a refusal so costs about the same
# per unmet category with 1 or 1,000 consents, and each message is built once
# per category and reason (issue 16). Evaluated only when a category is
# refused (assembly.rego).
#
# covers() is inlined here (a function call per category and consent costs
# regorus several microseconds): keep the two in step.
facts := [fact |
	catalogue_categories := data.catalogue.categories
	requester := input.subject.department
	some consent in input.consents
	consent.purpose == input.purpose
	cats := {cat |
		requester in consent.recipient_departments
		some cat in consent.categories
		catalogue_categories[cat].department in consent.source_departments
	}
	fact := {
		"status": consent.status,
		"from": time.parse_rfc3339_ns(consent.valid_from),
		"until": time.parse_rfc3339_ns(consent.valid_until),
		"cats": cats,
		"in_scope": in_scope_value(consent),
	}
]

withdrawn_cover := {cat |
	some fact in facts
	fact.status == "withdrawn"
	some cat in fact.cats
}

# Expired: so marked, or active with its validity period over.
expired_cover := {cat |
	now := data.tvaers.lib.now_ns
	some fact in facts
	expired_fact(fact, now)
	some cat in fact.cats
}

expired_fact(fact, _) if fact.status == "expired"

expired_fact(fact, now) if {
	fact.status == "active"
	now >= fact.until
}

not_yet_cover := {cat |
	now := data.tvaers.lib.now_ns
	some fact in facts
	fact.status == "active"
	now < fact.from
	some cat in fact.cats
}

# The categories of the active consents in force now (valid_from <= now <
# valid_until, compared as instants); a category is outside the scope of some
# consent in force unless every one of them covers it.
in_force_cats := [fact.cats |
	now := data.tvaers.lib.now_ns
	some fact in facts
	fact.status == "active"
	fact.from <= now
	now < fact.until
]

# Active, in force and covering, but scoped to other people or teams.
outside_members_cover := {cat |
	now := data.tvaers.lib.now_ns
	some fact in facts
	fact.status == "active"
	fact.from <= now
	now < fact.until
	not fact.in_scope
	some cat in fact.cats
}

outside_scope contains cat if {
	count(in_force_cats) > 0
	covered_by_all := intersection({cats | some cats in in_force_cats})
	some cat in unmet
	not cat in covered_by_all
}

# "Sundhedsforvaltningen deler »Trivsel (WHO-5)« med Jobcenter (beskæftigelse)"
sharing(cat, lang, verb) := sprintf("%s %s »%s« %s %s", [
	data.tvaers.lib.department_title(data.tvaers.lib.category_department(cat), lang),
	verb,
	data.tvaers.lib.category_title(cat, lang),
	with_word(lang),
	data.tvaers.lib.department_title(input.subject.department, lang),
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
	cat in withdrawn_cover
	result := data.tvaers.lib.denial(
		cat, 70, "consent_withdrawn",
		sprintf("Borgeren har trukket sit samtykke tilbage til, at %s til formålet »%s«.", [sharing(cat, "da", "deler"), data.tvaers.lib.purpose_title("da")]),
		sprintf("The citizen has withdrawn their consent that %s for the purpose »%s«.", [sharing(cat, "en", "shares"), data.tvaers.lib.purpose_title("en")]),
	)
}

# METADATA
# title: Outside the consent's scope
# description: >-
#   A consent in force covers this sharing, but it is scoped to named members
#   or teams (e.g. one meeting of the interdisciplinary team) and the
#   requester is neither a named member nor in a named team.
# custom:
#   short_name: outside_consent_scope
deny contains result if {
	some cat in unmet
	cat in outside_members_cover
	result := data.tvaers.lib.denial(
		cat, 69, "outside_consent_scope",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, gælder kun de personer og teams, det nævner, og du er ikke blandt dem.", [sharing(cat, "da", "deler"), data.tvaers.lib.purpose_title("da")]),
		sprintf("The citizen's consent that %s for the purpose »%s« covers only the people and teams it names, and you are not among them.", [sharing(cat, "en", "shares"), data.tvaers.lib.purpose_title("en")]),
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
	cat in expired_cover
	result := data.tvaers.lib.denial(
		cat, 71, "consent_expired",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, er udløbet. Borgeren kan give et nyt samtykke.", [sharing(cat, "da", "deler"), data.tvaers.lib.purpose_title("da")]),
		sprintf("The citizen's consent that %s for the purpose »%s« has expired. The citizen can give a new consent.", [sharing(cat, "en", "shares"), data.tvaers.lib.purpose_title("en")]),
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
	cat in not_yet_cover
	result := data.tvaers.lib.denial(
		cat, 72, "consent_not_yet_valid",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, gælder endnu ikke.", [sharing(cat, "da", "deler"), data.tvaers.lib.purpose_title("da")]),
		sprintf("The citizen's consent that %s for the purpose »%s« is not valid yet.", [sharing(cat, "en", "shares"), data.tvaers.lib.purpose_title("en")]),
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
	some cat in outside_scope
	not cat in not_yet_cover
	result := data.tvaers.lib.denial(
		cat, 73, "consent_scope",
		sprintf("Borgerens samtykke til formålet »%s« dækker ikke, at %s.", [data.tvaers.lib.purpose_title("da"), sharing(cat, "da", "deler")]),
		sprintf("The citizen's consent for the purpose »%s« does not cover that %s.", [data.tvaers.lib.purpose_title("en"), sharing(cat, "en", "shares")]),
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
	result := data.tvaers.lib.denial(
		cat, 74, "consent_missing",
		sprintf("Borgeren har ikke givet samtykke til, at %s til formålet »%s«.", [sharing(cat, "da", "deler"), data.tvaers.lib.purpose_title("da")]),
		sprintf("The citizen has not consented that %s for the purpose »%s«.", [sharing(cat, "en", "shares"), data.tvaers.lib.purpose_title("en")]),
	)
}
