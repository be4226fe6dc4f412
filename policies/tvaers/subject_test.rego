package tvaers.subject_test

import rego.v1

import data.tvaers.subject

base := {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["caseworker"]},
	"purpose": "tvaerfagligt_team",
	"citizen": "pseudonym-1",
	"categories": ["health.wellbeing", "social.services"],
	"consents": [],
	"break_glass": null,
	"now": "2026-11-22T10:00:00.000000Z",
}

codes(inp) := {[d.category, d.code] | some d in subject.deny with input as inp}

test_allowed_subject_has_no_denials if {
	count(subject.deny) == 0 with input as base
}

test_unknown_purpose_denies_every_category if {
	codes(object.union(base, {"purpose": "marketing"})) == {
		["health.wellbeing", "unknown_purpose"],
		["social.services", "unknown_purpose"],
	}
}

test_unknown_purpose_message_names_purpose if {
	some d in subject.deny with input as object.union(base, {"purpose": "marketing"})
	d.message.da == "Formålet »marketing« findes ikke i kataloget over godkendte formål, så der kan ikke deles oplysninger."
	contains(d.message.en, "»marketing«")
}

test_unknown_department if {
	inp := object.union(base, {"subject": {"user_id": "u1", "department": "parks", "roles": ["caseworker"]}})
	codes(inp) == {["health.wellbeing", "unknown_department"], ["social.services", "unknown_department"]}
}

test_department_not_allowed if {
	inp := object.union(base, {
		"purpose": "cti_overgang",
		"subject": {"user_id": "u1", "department": "health", "roles": ["caseworker"]},
	})
	codes(inp) == {["health.wellbeing", "department_not_allowed"], ["social.services", "department_not_allowed"]}
	some d in subject.deny with input as inp
	d.message.da == "Sundhedsforvaltningen kan ikke bruge formålet »CTI-støtte i overgangen til job«."
}

test_role_not_allowed if {
	inp := object.union(base, {"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["dpo", "support_worker"]}})
	codes(inp) == {["health.wellbeing", "role_not_allowed"], ["social.services", "role_not_allowed"]}
	some d in subject.deny with input as inp
	contains(d.message.da, "Sagsbehandler, Koordinerende sagsbehandler, Sundhedsfaglig medarbejder")
}

test_no_roles_is_role_not_allowed if {
	inp := object.union(base, {"subject": {"user_id": "u1", "department": "jobcenter", "roles": []}})
	codes(inp) == {["health.wellbeing", "role_not_allowed"], ["social.services", "role_not_allowed"]}
}

test_one_matching_role_is_enough if {
	inp := object.union(base, {"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["dpo", "coordinator"]}})
	count(subject.deny) == 0 with input as inp
}

test_unknown_purpose_skips_purpose_checks if {
	inp := object.union(base, {
		"purpose": "marketing",
		"subject": {"user_id": "u1", "department": "parks", "roles": []},
	})
	{d.code | some d in subject.deny with input as inp} == {"unknown_purpose", "unknown_department"}
}
