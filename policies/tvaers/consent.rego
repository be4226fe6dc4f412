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

# Validity, computed once per consent of the purpose: [index, valid_from,
# valid_until, status], the times in nanoseconds. Both the grant path
# (ranked) and the explanations (the *_idx sets) read it, so each consent's
# times are parsed once per decision (issue 16).
validity := [[i, from, until, consent.status] |
	some i, consent in input.consents
	consent.purpose == input.purpose
	from := time.parse_rfc3339_ns(consent.valid_from)
	until := time.parse_rfc3339_ns(consent.valid_until)
]

# The indexes of the scoped consents that do not reach the subject. A set
# built once: calling in_scope() per consent in the loops below would cost
# regorus several microseconds per consent even for the unscoped ones.
out_of_scope contains i if {
	some i, consent in input.consents
	object.get(consent, "scope", null) != null
	not in_scope(consent)
}

# The consents that can be a basis now for this requester: for the purpose,
# active, naming the requester's department as recipient, and in force.
# Ordered best first: the one that lasts longest, then the smallest id, so
# every engine picks the same consent when several qualify.
ranked := sort([[0 - v[2], consent.id, v[0]] |
	requester := input.subject.department
	now := data.tvaers.lib.now_ns
	outside := out_of_scope
	some v in validity
	v[3] == "active"
	v[1] <= now
	now < v[2]
	consent := input.consents[v[0]]
	requester in consent.recipient_departments
	not v[0] in outside
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

# Why a category is unmet (evaluated only when a category is refused, see
# assembly.rego). Each consent of the purpose is classified once from its
# validity (index sets by state); then only the unmet categories are looked
# up in the consents (cover), so explaining a refusal costs one pass over the
# consents whatever the number of unmet categories, and no message is built
# here (issue 16).
withdrawn_idx := {v[0] | some v in validity; v[3] == "withdrawn"}

# Expired: so marked, or active with its validity period over.
expired_idx := {v[0] | some v in validity; v[3] == "expired"} | {v[0] |
	now := data.tvaers.lib.now_ns
	some v in validity
	v[3] == "active"
	now >= v[2]
}

not_yet_idx := {v[0] |
	now := data.tvaers.lib.now_ns
	some v in validity
	v[3] == "active"
	now < v[1]
}

# In force: active and valid_from <= now < valid_until, compared as instants,
# whoever it names as recipients and members.
in_force_idx := {v[0] |
	now := data.tvaers.lib.now_ns
	some v in validity
	v[3] == "active"
	v[1] <= now
	now < v[2]
}

# [index, category]: the consent would cover the needed category (the
# covers() test, inlined: keep the two in step). Needed rather than unmet, so
# that an explanation does not compute the consent choice of every category;
# the deny rules and reason() ask only about unmet categories.
cover contains [i, cat] if {
	needed_cats := needed
	catalogue_categories := data.catalogue.categories
	requester := input.subject.department
	some i, consent in input.consents
	consent.purpose == input.purpose
	requester in consent.recipient_departments
	some cat in consent.categories
	cat in needed_cats
	catalogue_categories[cat].department in consent.source_departments
}

withdrawn_cover := {pair[1] | indexes := withdrawn_idx; some pair in cover; pair[0] in indexes}

expired_cover := {pair[1] | indexes := expired_idx; some pair in cover; pair[0] in indexes}

not_yet_cover := {pair[1] | indexes := not_yet_idx; some pair in cover; pair[0] in indexes}

# Active, in force and covering, but scoped to other people or teams.
outside_members_cover := {pair[1] |
	indexes := in_force_idx
	outside := out_of_scope
	some pair in cover
	pair[0] in indexes
	pair[0] in outside
}

# Outside the scope of some consent in force: a consent in force (for any
# recipient) does not cover the needed category.
outside_scope contains cat if {
	covered := cover
	some cat in needed
	some i in in_force_idx
	not [i, cat] in covered
}

# The words of a consent message about cat, in both languages:
# "Sundhedsforvaltningen deler »Trivsel (WHO-5)« med Jobcenter (beskæftigelse)"
# and the purpose's title. Titles fall back to the raw id (as the lib.*_title
# functions do). Built with builtins only, once per message: each call of a
# user function costs regorus several microseconds, and messages are built
# only for the denial a decision shows.
words(cat) := {"da": da, "en": en, "purpose_da": purpose_da, "purpose_en": purpose_en} if {
	catalogue_categories := data.catalogue.categories
	departments := data.catalogue.departments
	source := object.get(catalogue_categories, [cat, "department"], null)
	requester := input.subject.department
	da := sprintf("%s deler »%s« med %s", [
		object.get(departments, [source, "title", "da"], source),
		object.get(catalogue_categories, [cat, "title", "da"], cat),
		object.get(departments, [requester, "title", "da"], requester),
	])
	en := sprintf("%s shares »%s« with %s", [
		object.get(departments, [source, "title", "en"], source),
		object.get(catalogue_categories, [cat, "title", "en"], cat),
		object.get(departments, [requester, "title", "en"], requester),
	])
	purpose_da := object.get(data.catalogue.purposes, [input.purpose, "title", "da"], input.purpose)
	purpose_en := object.get(data.catalogue.purposes, [input.purpose, "title", "en"], input.purpose)
}

# The denial for an unmet category, by code: its rank and message. Built
# only for the denial a decision shows (assembly.rego) and by the deny rules
# below, which list every candidate (the unit tests read them).
denial_for(cat, "consent_withdrawn") := result if {
	w := words(cat)
	result := data.tvaers.lib.denial(
		cat, 70, "consent_withdrawn",
		sprintf("Borgeren har trukket sit samtykke tilbage til, at %s til formålet »%s«.", [w.da, w.purpose_da]),
		sprintf("The citizen has withdrawn their consent that %s for the purpose »%s«.", [w.en, w.purpose_en]),
	)
}

denial_for(cat, "outside_consent_scope") := result if {
	w := words(cat)
	result := data.tvaers.lib.denial(
		cat, 69, "outside_consent_scope",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, gælder kun de personer og teams, det nævner, og du er ikke blandt dem.", [w.da, w.purpose_da]),
		sprintf("The citizen's consent that %s for the purpose »%s« covers only the people and teams it names, and you are not among them.", [w.en, w.purpose_en]),
	)
}

denial_for(cat, "consent_expired") := result if {
	w := words(cat)
	result := data.tvaers.lib.denial(
		cat, 71, "consent_expired",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, er udløbet. Borgeren kan give et nyt samtykke.", [w.da, w.purpose_da]),
		sprintf("The citizen's consent that %s for the purpose »%s« has expired. The citizen can give a new consent.", [w.en, w.purpose_en]),
	)
}

denial_for(cat, "consent_not_yet_valid") := result if {
	w := words(cat)
	result := data.tvaers.lib.denial(
		cat, 72, "consent_not_yet_valid",
		sprintf("Borgerens samtykke til, at %s til formålet »%s«, gælder endnu ikke.", [w.da, w.purpose_da]),
		sprintf("The citizen's consent that %s for the purpose »%s« is not valid yet.", [w.en, w.purpose_en]),
	)
}

denial_for(cat, "consent_scope") := result if {
	w := words(cat)
	result := data.tvaers.lib.denial(
		cat, 73, "consent_scope",
		sprintf("Borgerens samtykke til formålet »%s« dækker ikke, at %s.", [w.purpose_da, w.da]),
		sprintf("The citizen's consent for the purpose »%s« does not cover that %s.", [w.purpose_en, w.en]),
	)
}

denial_for(cat, "consent_missing") := result if {
	w := words(cat)
	result := data.tvaers.lib.denial(
		cat, 74, "consent_missing",
		sprintf("Borgeren har ikke givet samtykke til, at %s til formålet »%s«.", [w.da, w.purpose_da]),
		sprintf("The citizen has not consented that %s for the purpose »%s«.", [w.en, w.purpose_en]),
	)
}

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
	result := denial_for(cat, "consent_withdrawn")
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
	result := denial_for(cat, "outside_consent_scope")
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
	result := denial_for(cat, "consent_expired")
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
	result := denial_for(cat, "consent_not_yet_valid")
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
	cat in outside_scope
	not cat in not_yet_cover
	result := denial_for(cat, "consent_scope")
}

# METADATA
# title: Consent missing
# description: >-
#   The purpose needs the citizen's consent for this sharing and there is none.
# custom:
#   short_name: consent_missing
deny contains result if {
	some cat in unmet
	result := denial_for(cat, "consent_missing")
}

# The code of the most fundamental consent reason an unmet category has (the
# lowest rank among the deny rules above, in the same order). Defined for
# unmet categories only.
reason(cat) := "outside_consent_scope" if {
	cat in outside_members_cover
} else := "consent_withdrawn" if {
	cat in withdrawn_cover
} else := "consent_expired" if {
	cat in expired_cover
} else := "consent_not_yet_valid" if {
	cat in not_yet_cover
} else := "consent_scope" if {
	cat in outside_scope
} else := "consent_missing"
