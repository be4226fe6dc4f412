package tvaers.category_test

import rego.v1

import data.tvaers.category

base := {
	"subject": {"user_id": "u1", "department": "social", "roles": ["support_worker"]},
	"purpose": "cti_overgang",
	"citizen": "pseudonym-1",
	"categories": ["health.contact", "social.services"],
	"consents": [],
	"break_glass": null,
	"now": "2026-11-22T10:00:00.000000Z",
}

codes(inp) := {[d.category, d.code] | some d in category.deny with input as inp}

test_listed_categories_pass if {
	codes(base) == set()
}

test_unknown_category if {
	codes(object.union(base, {"categories": ["health.contact", "health.dna"]})) == {["health.dna", "unknown_category"]}
}

test_unknown_category_message if {
	some d in category.deny with input as object.union(base, {"categories": ["health.dna"]})
	d.message.da == "Oplysningstypen »health.dna« findes ikke i kataloget."
}

test_category_not_in_purpose if {
	codes(object.union(base, {"categories": ["health.wellbeing", "social.services"]})) == {["health.wellbeing", "category_not_in_purpose"]}
}

test_category_not_in_purpose_message_uses_titles if {
	some d in category.deny with input as object.union(base, {"categories": ["health.wellbeing"]})
	d.message.da == "»Trivsel (WHO-5)« indgår ikke i formålet »CTI-støtte i overgangen til job« og kan derfor ikke deles."
	d.message.en == "»Wellbeing (WHO-5)« is not part of the purpose »CTI support in the transition to a job« and cannot be shared."
}

test_unknown_purpose_leaves_known_categories_to_subject_check if {
	codes(object.union(base, {"purpose": "marketing", "categories": ["health.wellbeing", "x.y"]})) == {["x.y", "unknown_category"]}
}
