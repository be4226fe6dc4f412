package tvaers.consent_test

import rego.v1

import data.tvaers.consent

# A jobcenter caseworker asks for health data for the interdisciplinary team.
base := {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["caseworker"]},
	"purpose": "tvaerfagligt_team",
	"citizen": "pseudonym-1",
	"categories": ["health.wellbeing"],
	"consents": [],
	"break_glass": null,
	"now": "2026-11-22T10:00:00.000000Z",
}

good := {
	"id": "c-1",
	"purpose": "tvaerfagligt_team",
	"status": "active",
	"categories": ["health.wellbeing", "social.services"],
	"source_departments": ["health", "social"],
	"recipient_departments": ["jobcenter"],
	"valid_from": "2026-01-01T00:00:00.000000Z",
	"valid_until": "2027-01-01T00:00:00.000000Z",
}

with_consents(consents) := object.union(base, {"consents": consents})

codes(inp) := {d.code | some d in consent.deny with input as inp}

test_good_consent_is_chosen if {
	consent.chosen["health.wellbeing"] == "c-1" with input as with_consents([good])
	codes(with_consents([good])) == set()
}

test_own_department_needs_no_consent if {
	inp := object.union(base, {"categories": ["jobcenter.plan"]})
	count(consent.needed) == 0 with input as inp
}

test_statute_purpose_needs_no_consent if {
	inp := object.union(base, {"purpose": "koordinering_kontakt", "categories": ["health.contact"]})
	count(consent.needed) == 0 with input as inp
}

test_no_consents_is_missing if {
	codes(base) == {"consent_missing"}
}

test_missing_message if {
	some d in consent.deny with input as base
	d.message.da == "Borgeren har ikke givet samtykke til, at Sundhedsforvaltningen deler »Trivsel (WHO-5)« med Jobcenter (beskæftigelse) til formålet »Afklaring i tværfagligt team«."
	d.message.en == "The citizen has not consented that Health department shares »Wellbeing (WHO-5)« with Jobcentre (employment) for the purpose »Interdisciplinary team clarification«."
}

test_withdrawn if {
	codes(with_consents([object.union(good, {"status": "withdrawn"})])) == {"consent_withdrawn", "consent_missing"}
}

test_expired_by_time if {
	inp := with_consents([object.union(good, {"valid_until": "2026-11-22T10:00:00.000000Z"})])
	not consent.chosen["health.wellbeing"] with input as inp
	codes(inp) == {"consent_expired", "consent_missing"}
}

test_expired_by_status if {
	codes(with_consents([object.union(good, {"status": "expired"})])) == {"consent_expired", "consent_missing"}
}

test_valid_from_is_inclusive if {
	inp := with_consents([object.union(good, {"valid_from": "2026-11-22T10:00:00.000000Z"})])
	consent.chosen["health.wellbeing"] == "c-1" with input as inp
}

test_not_yet_valid if {
	inp := with_consents([object.union(good, {"valid_from": "2026-11-22T10:00:00.000001Z"})])
	codes(inp) == {"consent_not_yet_valid", "consent_missing"}
}

test_offsets_compare_as_instants if {
	# 11:30+01:00 is 10:30Z, after now: not yet valid although "11:30" > "10:00" as text too,
	# and 10:30+01:00 is 09:30Z, before now.
	later := with_consents([object.union(good, {"valid_from": "2026-11-22T11:30:00+01:00"})])
	codes(later) == {"consent_not_yet_valid", "consent_missing"}
	earlier := with_consents([object.union(good, {"valid_from": "2026-11-22T10:30:00+01:00"})])
	consent.chosen["health.wellbeing"] == "c-1" with input as earlier
}

test_scope_category if {
	codes(with_consents([object.union(good, {"categories": ["social.services"]})])) == {"consent_scope", "consent_missing"}
}

test_scope_source if {
	codes(with_consents([object.union(good, {"source_departments": ["social"]})])) == {"consent_scope", "consent_missing"}
}

test_scope_recipient if {
	codes(with_consents([object.union(good, {"recipient_departments": ["social"]})])) == {"consent_scope", "consent_missing"}
}

test_other_purpose_is_ignored if {
	codes(with_consents([object.union(good, {"purpose": "ips_beskaeftigelse"})])) == {"consent_missing"}
}

test_latest_valid_until_wins if {
	inp := with_consents([
		object.union(good, {"id": "c-1"}),
		object.union(good, {"id": "c-2", "valid_until": "2027-06-01T00:00:00.000000Z"}),
	])
	consent.chosen["health.wellbeing"] == "c-2" with input as inp
}

test_tie_on_valid_until_takes_smallest_id if {
	inp := with_consents([object.union(good, {"id": "c-9"}), object.union(good, {"id": "c-3"})])
	consent.chosen["health.wellbeing"] == "c-3" with input as inp
}

test_withdrawn_consent_never_chosen_even_if_later if {
	inp := with_consents([
		good,
		object.union(good, {"id": "c-0", "status": "withdrawn", "valid_until": "2030-01-01T00:00:00.000000Z"}),
	])
	consent.chosen["health.wellbeing"] == "c-1" with input as inp
	codes(inp) == set()
}

# Scope (issue 14 item 3): a meeting of the interdisciplinary team.
meeting := object.union(good, {
	"id": "c-meeting",
	"scope": {"members": ["u7"], "teams": ["team-nord"]},
	"valid_from": "2026-11-22T09:00:00.000000Z",
	"valid_until": "2026-11-22T12:00:00.000000Z",
})

as_subject(user_id, teams) := object.union(with_consents([meeting]), {"subject": {"user_id": user_id, "department": "jobcenter", "roles": ["caseworker"], "teams": teams}})

test_named_member_is_in_scope if {
	consent.chosen["health.wellbeing"] == "c-meeting" with input as as_subject("u7", [])
}

test_team_member_is_in_scope if {
	consent.chosen["health.wellbeing"] == "c-meeting" with input as as_subject("u1", ["team-syd", "team-nord"])
}

test_non_member_is_outside_scope if {
	inp := as_subject("u1", ["team-syd"])
	not consent.chosen["health.wellbeing"] with input as inp
	codes(inp) == {"outside_consent_scope", "consent_missing"}
}

test_subject_without_teams_is_outside_scope if {
	codes(with_consents([meeting])) == {"outside_consent_scope", "consent_missing"}
}

test_member_after_the_meeting_is_expired if {
	inp := object.union(as_subject("u7", ["team-nord"]), {"now": "2026-11-22T12:00:00.000000Z"})
	not consent.chosen["health.wellbeing"] with input as inp
	codes(inp) == {"consent_expired", "consent_missing"}
}

test_empty_scope_reaches_nobody if {
	inp := object.union(as_subject("u7", ["team-nord"]), {"consents": [object.union(meeting, {"scope": {"members": [], "teams": []}})]})
	not consent.chosen["health.wellbeing"] with input as inp
}

test_null_scope_reaches_the_department if {
	inp := object.union(as_subject("u1", []), {"consents": [object.union(meeting, {"scope": null})]})
	consent.chosen["health.wellbeing"] == "c-meeting" with input as inp
}
