# Assembles the decision document (see decision.rego).
#
# Every requested category ends up exactly once, in grants or in denials, in
# sorted order. A category is granted only when no subject or category check
# denies it and a legal basis exists; otherwise the lowest-ranked (most
# fundamental) denial candidate explains why.
#
# input.break_glass is accepted but grants nothing: no break-glass purpose
# exists in the catalogue yet.
#
# This lives in a subpackage rather than in package tvaers itself: regorus
# 0.13 mis-evaluates subpackage rules (e.g. the consent choice) inside a body
# that first evaluated a rule of their parent package under `with`, which
# unit tests do. Keeping package tvaers down to one alias avoids that.
package tvaers.assembly

import rego.v1

import data.tvaers.basis
import data.tvaers.category
import data.tvaers.consent
import data.tvaers.lib
import data.tvaers.subject

decision := {
	"allow": count(grants) > 0,
	"grants": grants,
	"denials": denials,
	"policy_version": data.catalogue.version,
}

gate_denials := subject.deny | category.deny

candidates := (gate_denials | consent.deny) | basis.deny

gated contains cand.category if {
	some cand in gate_denials
}

grants := [grant |
	some cat in lib.requested
	not cat in gated
	basis_ref := basis.basis_for(cat)
	grant := {"category": cat, "fields": lib.granted_fields(cat), "basis": basis_ref}
]

granted contains grant.category if {
	some grant in grants
}

denials := [denial |
	some cat in lib.requested
	not cat in granted
	denial := best_denial[cat]
]

# Partial rules rather than functions: regorus caches a rule's value for the
# whole evaluation but re-evaluates a function's body on every call.
lowest_rank[cat] := min({cand.rank | some cand in candidates; cand.category == cat}) if {
	some cat in lib.requested
}

best_denial[cat] := {"category": cat, "code": top.code, "message": top.message} if {
	some top in candidates
	cat := top.category
	top.rank == lowest_rank[cat]
}
