package tvaers.breakglass_test

import rego.v1

import data.tvaers.breakglass

claim := {"justification": "Borgeren er bevidstløs, akut behov for kontakt", "episode": "ep-1"}

base := {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["coordinator"]},
	"purpose": "noedadgang",
	"citizen": "pseudonym-1",
	"categories": ["health.wellbeing", "social.contact"],
	"consents": [],
	"break_glass": claim,
	"now": "2026-11-22T10:00:00.000000Z",
}

codes(inp) := {[d.category, d.code] | some d in breakglass.deny with input as inp}

test_justified_claim_has_no_denials if {
	breakglass.justified with input as base
	count(breakglass.deny) == 0 with input as base
}

test_missing_claim_denies_every_category if {
	codes(object.union(base, {"break_glass": null})) == {
		["health.wellbeing", "break_glass_justification"],
		["social.contact", "break_glass_justification"],
	}
}

test_short_justification_is_refused if {
	inp := object.union(base, {"break_glass": {"justification": "akut", "episode": "ep-1"}})
	not breakglass.justified with input as inp
	count(codes(inp)) == 2
}

test_padding_with_spaces_does_not_count if {
	padded := concat("", ["   kort begrundelse", "                    "])
	inp := object.union(base, {"break_glass": {"justification": padded, "episode": "ep-1"}})
	not breakglass.justified with input as inp
}

test_twenty_letters_with_danish_characters_count_as_twenty if {
	# 20 characters, 23 bytes in UTF-8: characters are counted, not bytes.
	inp := object.union(base, {"break_glass": {"justification": "æøåæøåæøåæøåæøåæøåab", "episode": "ep-1"}})
	breakglass.justified with input as inp
	short := object.union(base, {"break_glass": {"justification": "æøåæøåæøåæøåæøåæøåa", "episode": "ep-1"}})
	not breakglass.justified with input as short
}

test_claim_without_episode_is_not_justified if {
	# object.union merges nested objects, so the claim is replaced, not merged.
	inp := object.union(object.remove(base, ["break_glass"]), {"break_glass": {"justification": claim.justification}})
	not breakglass.justified with input as inp
}

test_other_purposes_never_deny_for_break_glass if {
	count(breakglass.deny) == 0 with input as object.union(base, {"purpose": "tvaerfagligt_team", "break_glass": null})
}
