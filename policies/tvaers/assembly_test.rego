package tvaers.assembly_test

import rego.v1

import data.tvaers.assembly

base := {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["caseworker"]},
	"purpose": "tvaerfagligt_team",
	"citizen": "pseudonym-1",
	"categories": ["social.services", "health.wellbeing", "jobcenter.plan"],
	"consents": [{
		"id": "c-1",
		"purpose": "tvaerfagligt_team",
		"status": "active",
		"categories": ["health.wellbeing"],
		"source_departments": ["health"],
		"recipient_departments": ["jobcenter"],
		"valid_from": "2026-01-01T00:00:00.000000Z",
		"valid_until": "2027-01-01T00:00:00.000000Z",
	}],
	"break_glass": null,
	"now": "2026-11-22T10:00:00.000000Z",
}

outcome(inp) := {
	"grants": [[g.category, g.basis.kind] | some g in assembly.decision.grants with input as inp],
	"denials": [[d.category, d.code] | some d in assembly.decision.denials with input as inp],
}

test_decision_has_exactly_the_contract_keys if {
	object.keys(assembly.decision) == {"allow", "grants", "denials", "policy_version"} with input as base
}

test_mixed_decision if {
	decision := assembly.decision with input as base
	decision.allow == true
	decision.policy_version == data.catalogue.version
	decision.grants == [
		{"category": "health.wellbeing", "fields": ["date", "score"], "basis": {"kind": "consent", "ref": "c-1"}},
		{"category": "jobcenter.plan", "fields": ["goal", "steps", "updated"], "basis": {"kind": "own_department", "ref": "jobcenter"}},
	]
	[d.category | some d in decision.denials] == ["social.services"]
	decision.denials[0].code == "consent_scope"
	object.keys(decision.denials[0]) == {"category", "code", "message"}
}

test_nothing_granted_is_not_allowed if {
	decision := assembly.decision with input as object.union(base, {"consents": [], "categories": ["health.wellbeing"]})
	decision.allow == false
	decision.grants == []
	decision.denials[0].code == "consent_missing"
}

test_no_categories_is_empty_deny if {
	decision := assembly.decision with input as object.union(base, {"categories": []})
	decision.allow == false
	decision.grants == []
	decision.denials == []
}

test_unknown_purpose_overrides_everything if {
	outcome(object.union(base, {"purpose": "marketing"})) == {"grants": [], "denials": [
		["health.wellbeing", "unknown_purpose"],
		["jobcenter.plan", "unknown_purpose"],
		["social.services", "unknown_purpose"],
	]}
}

test_role_check_overrides_own_department if {
	inp := object.union(base, {"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["dpo"]}})
	outcome(inp) == {"grants": [], "denials": [
		["health.wellbeing", "role_not_allowed"],
		["jobcenter.plan", "role_not_allowed"],
		["social.services", "role_not_allowed"],
	]}
}

test_category_check_overrides_consent if {
	inp := object.union(base, {"categories": ["health.prevention", "health.wellbeing"]})
	outcome(inp) == {
		"grants": [["health.wellbeing", "consent"]],
		"denials": [["health.prevention", "category_not_in_purpose"]],
	}
}

test_each_category_once_and_sorted if {
	inp := object.union(base, {"categories": ["x.y", "health.wellbeing", "health.wellbeing", "a.b", "jobcenter.plan"]})
	decision := assembly.decision with input as inp
	seen := array.concat([g.category | some g in decision.grants], [d.category | some d in decision.denials])
	count(seen) == 4
	sort(seen) == ["a.b", "health.wellbeing", "jobcenter.plan", "x.y"]
	[g.category | some g in decision.grants] == ["health.wellbeing", "jobcenter.plan"]
	[d.category | some d in decision.denials] == ["a.b", "x.y"]
}

test_statute_grant if {
	inp := object.union(base, {"purpose": "koordinering_kontakt", "consents": [], "categories": ["health.contact", "social.contact"]})
	outcome(inp) == {"grants": [["health.contact", "statute"], ["social.contact", "statute"]], "denials": []}
}

test_break_glass_grants_nothing if {
	inp := object.union(base, {"consents": [], "break_glass": {"justification": "Borgeren er akut syg"}})
	outcome(inp) == outcome(object.union(base, {"consents": []}))
	outcome(inp).grants == [["jobcenter.plan", "own_department"]]
}

test_inconsistent_catalogue_falls_back_to_no_basis if {
	inp := object.union(base, {"purpose": "koordinering_kontakt", "consents": [], "categories": ["health.contact"]})
	purposes := object.union(object.remove(data.catalogue.purposes, ["koordinering_kontakt"]), {"koordinering_kontakt": object.union(
		object.remove(data.catalogue.purposes.koordinering_kontakt, ["basis"]),
		{"basis": {"kind": "statute"}},
	)})
	result := outcome(inp) with data.catalogue.purposes as purposes
	result == {"grants": [], "denials": [["health.contact", "no_basis"]]}
}
