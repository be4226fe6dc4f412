package tvaers.lib_test

import rego.v1

import data.tvaers.lib

base := {
	"subject": {"user_id": "u1", "department": "jobcenter", "roles": ["caseworker"]},
	"purpose": "tvaerfagligt_team",
	"citizen": "pseudonym-1",
	"categories": ["health.wellbeing"],
	"consents": [],
	"break_glass": null,
	"now": "2026-11-22T10:00:00.000000Z",
}

test_requested_sorted_unique if {
	req := lib.requested with input as object.union(base, {"categories": ["b", "a", "b"]})
	req == ["a", "b"]
}

test_requested_empty_without_categories if {
	req := lib.requested with input as object.remove(base, ["categories"])
	req == []
}

test_purpose_known if {
	lib.purpose.basis.kind == "consent" with input as base
}

test_purpose_unknown_is_undefined if {
	not lib.purpose with input as object.union(base, {"purpose": "nope"})
}

test_now_ns_parses_offset if {
	ns := lib.now_ns with input as object.union(base, {"now": "2026-11-22T11:00:00+01:00"})
	ns == lib.time_ns("2026-11-22T10:00:00Z")
}

test_index_fields_are_minimised_and_sorted if {
	scope := data.catalogue.index.purposes.tvaerfagligt_team
	scope["health.wellbeing"] == {"department": "health", "fields": ["date", "score"]}
	# The purpose lists jobcenter.plan fields in catalogue order; the index sorts them.
	scope["jobcenter.plan"].fields == ["goal", "steps", "updated"]
}

test_index_covers_exactly_the_purpose_categories_the_catalogue_knows if {
	every purpose_id, purpose in data.catalogue.purposes {
		known := {cat | some cat, _ in purpose.categories; data.catalogue.categories[cat]}
		indexed := {cat | some cat, _ in data.catalogue.index.purposes[purpose_id]}
		known == indexed
	}
	count(data.catalogue.index.purposes) == count(data.catalogue.purposes)
}

test_titles_from_catalogue if {
	lib.category_title("health.wellbeing", "da") == "Trivsel (WHO-5)"
	lib.department_title("health", "da") == "Sundhedsforvaltningen"
	lib.role_title("coordinator", "en") == "Coordinating caseworker"
	lib.purpose_title("da") == "Afklaring i tværfagligt team" with input as base
}

test_titles_fall_back_to_id if {
	lib.department_title("marketing", "da") == "marketing"
	lib.role_title("janitor", "en") == "janitor"
	lib.purpose_title("da") == "nope" with input as object.union(base, {"purpose": "nope"})
}

test_denial_shape if {
	lib.denial("a.b", 1, "some_code", "da tekst", "en text") == {
		"category": "a.b",
		"rank": 1,
		"code": "some_code",
		"message": {"da": "da tekst", "en": "en text"},
	}
}
