package tvaers.decision_test

import rego.v1

import data.tvaers
import data.tvaers.assembly_test

test_decision_is_the_assembled_document if {
	decision := tvaers.decision with input as assembly_test.base
	decision == {
		"allow": true,
		"grants": [
			{"category": "health.wellbeing", "fields": ["date", "score"], "basis": {"kind": "consent", "ref": "c-1"}},
			{"category": "jobcenter.plan", "fields": ["goal", "steps", "updated"], "basis": {"kind": "own_department", "ref": "jobcenter"}},
		],
		"denials": [{
			"category": "social.services",
			"code": "consent_scope",
			"message": {
				"da": "Borgerens samtykke til formålet »Afklaring i tværfagligt team« dækker ikke, at Socialforvaltningen deler »Sociale indsatser (serviceloven)« med Jobcenter (beskæftigelse).",
				"en": "The citizen's consent for the purpose »Interdisciplinary team clarification« does not cover that Social services shares »Social services measures« with Jobcentre (employment).",
			},
		}],
		"policy_version": data.catalogue.version,
	}
}

test_empty_input_is_an_empty_denial if {
	decision := tvaers.decision with input as {}
	decision.allow == false
	decision.grants == []
	decision.denials == []
}
