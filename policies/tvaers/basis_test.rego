package tvaers.basis_test

import rego.v1

import data.tvaers.basis

base := {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["caseworker"]},
	"purpose": "tvaerfagligt_team",
	"citizen": "pseudonym-1",
	"categories": ["health.wellbeing", "jobcenter.plan"],
	"consents": [{
		"id": "c-1",
		"purpose": "tvaerfagligt_team",
		"status": "active",
		"categories": ["health.wellbeing", "jobcenter.plan"],
		"source_departments": ["health", "jobcenter"],
		"recipient_departments": ["jobcenter"],
		"valid_from": "2026-01-01T00:00:00.000000Z",
		"valid_until": "2027-01-01T00:00:00.000000Z",
	}],
	"break_glass": null,
	"now": "2026-11-22T10:00:00.000000Z",
}

test_own_department_wins_over_consent if {
	basis.basis_of("jobcenter.plan") == {"kind": "own_department", "ref": "jobcenter"} with input as base
}

test_consent_basis_names_consent if {
	basis.basis_of("health.wellbeing") == {"kind": "consent", "ref": "c-1"} with input as base
}

test_no_consent_no_basis if {
	not basis.basis_of("health.wellbeing") with input as object.union(base, {"consents": []})
}

test_statute_basis_cites_law if {
	inp := object.union(base, {"purpose": "koordinering_kontakt", "consents": []})
	b := basis.basis_of("health.contact") with input as inp
	b.kind == "statute"
	startswith(b.ref, "Retssikkerhedsloven § 12 c")
}

test_statute_without_citation_has_no_basis if {
	inp := object.union(base, {"purpose": "koordinering_kontakt", "consents": []})
	# object.union merges recursively, so remove the keys to replace first.
	purposes := object.union(object.remove(data.catalogue.purposes, ["koordinering_kontakt"]), {"koordinering_kontakt": object.union(
		object.remove(data.catalogue.purposes.koordinering_kontakt, ["basis"]),
		{"basis": {"kind": "statute"}},
	)})
	not basis.basis_of("health.contact") with input as inp with data.catalogue.purposes as purposes
}

test_basis_for_takes_plain_values if {
	consent_basis := {"kind": "consent"}
	usable := [{"id": "c-7", "until": 1, "categories": ["health.wellbeing"], "sources": ["health"]}]
	basis.basis_for("health.wellbeing", "health", "health", consent_basis, []) == {"kind": "own_department", "ref": "health"}
	basis.basis_for("health.wellbeing", "health", "jobcenter", consent_basis, usable) == {"kind": "consent", "ref": "c-7"}
	not basis.basis_for("health.wellbeing", "health", "jobcenter", consent_basis, [])
	not basis.basis_for("health.wellbeing", "social", "jobcenter", consent_basis, usable)
	statute := {"kind": "statute", "citation": "Lov § 1"}
	basis.basis_for("health.wellbeing", "health", "jobcenter", statute, []) == {"kind": "statute", "ref": "Lov § 1"}
	not basis.basis_for("health.wellbeing", "health", "jobcenter", {"kind": "statute", "citation": ""}, usable)
	not basis.basis_for("health.wellbeing", "health", "jobcenter", {"kind": "statute"}, usable)
}

test_last_resort_denial_for_every_category_without_basis if {
	{[d.category, d.code] | some d in basis.deny with input as object.union(base, {"consents": []})} == {["health.wellbeing", "no_basis"]}
	count(basis.deny) == 0 with input as base
}

test_unknown_category_has_no_basis if {
	{[d.category, d.code] | some d in basis.deny with input as object.union(base, {"categories": ["x.y"]})} == {["x.y", "no_basis"]}
}

breakglass_input := object.union(base, {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["coordinator"]},
	"purpose": "noedadgang",
	"consents": [],
	"break_glass": {"justification": "Borgeren er i akut livsfare, kontakt nødvendig", "episode": "ep-7"},
})

test_break_glass_basis_names_episode if {
	b := basis.basis_of("health.wellbeing") with input as breakglass_input
	b == {"kind": "break_glass", "ref": "ep-7"}
}

test_break_glass_without_claim_has_no_basis if {
	not basis.basis_of("health.wellbeing") with input as object.union(breakglass_input, {"break_glass": null})
}

test_break_glass_claim_gives_no_basis_under_a_consent_purpose if {
	inp := object.union(breakglass_input, {"purpose": "tvaerfagligt_team"})
	not basis.basis_of("health.wellbeing") with input as inp
}
