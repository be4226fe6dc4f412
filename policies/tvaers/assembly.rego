# Assembles the decision document (see decision.rego).
#
# Every requested category ends up exactly once, in grants or in denials, in
# sorted order. A category is granted when the subject may use the purpose,
# the purpose lists the category and the catalogue knows it, and a legal
# basis exists. Only the categories that are not granted are explained: the
# lowest-ranked (most fundamental) denial candidate says why.
#
# input.break_glass grants only under a purpose whose basis kind is
# "break_glass" (basis.rego, breakglass.rego); elsewhere it is ignored.
#
# The grant path reads the catalogue index (data.catalogue.index, generated
# from the catalogue by `tvaers policy index`): per purpose, the categories it
# may receive that the catalogue defines, with their department and the
# minimised, sorted fields. A category outside that scope is not granted.
#
# Performance (regorus, the embedded engine, evaluates this on every request;
# docs/policy.md has the measurements): the grant path is one comprehension
# over locals bound once, because each ref into data by a variable key, each
# rule reference through an import alias and each call of a function with a
# comprehension inside costs regorus several microseconds; rules of other
# packages are referenced by their full data.tvaers.* path for the same
# reason. The denial rules run only when some category is refused, so an
# all-granted decision never builds a message.
#
# This lives in a subpackage rather than in package tvaers itself: regorus
# 0.13 mis-evaluates subpackage rules (e.g. the consent choice) inside a body
# that first evaluated a rule of their parent package under `with`, which
# unit tests do. Keeping package tvaers down to one alias avoids that.
package tvaers.assembly

import rego.v1

decision := {
	"allow": count(grants) > 0,
	"grants": grants,
	"denials": denials,
	"policy_version": data.catalogue.version,
}

grants := [] if {
	not data.tvaers.subject.allowed
} else := [grant |
	scope := data.catalogue.index.purposes[input.purpose]
	requester := input.subject.department
	purpose_basis := data.tvaers.lib.purpose.basis
	usable := data.tvaers.consent.usable
	some cat in data.tvaers.lib.requested
	entry := scope[cat]
	basis_ref := data.tvaers.basis.basis_for(cat, entry.department, requester, purpose_basis, usable)
	grant := {"category": cat, "fields": entry.fields, "basis": basis_ref}
]

granted contains grant.category if {
	some grant in grants
}

refused := [cat |
	some cat in data.tvaers.lib.requested
	not cat in granted
]

# The usual answer grants everything asked for: then nothing is explained.
denials := [] if {
	count(refused) == 0
} else := [denial |
	some cat in refused
	top := explain(cat)
	denial := {"category": cat, "code": top.code, "message": top.message}
]

# The denial a refused category shows: the most fundamental reason, i.e. the
# lowest-ranked candidate of all deny rules (the else chain tests them in
# rank order, on the same conditions the deny rules use), and only its message
# is built. Called once per refused category; the other candidates are never
# computed (issue 16). tests/policy/test_explanations.py checks that this
# equals best_denial below on every scenario, on both engines.
explain(cat) := data.tvaers.subject.denial_for(cat, "unknown_purpose") if {
	data.tvaers.subject.unknown_purpose
} else := data.tvaers.subject.denial_for(cat, "unknown_department") if {
	data.tvaers.subject.unknown_department
} else := data.tvaers.subject.denial_for(cat, "department_not_allowed") if {
	data.tvaers.subject.department_refused
} else := data.tvaers.subject.denial_for(cat, "role_not_allowed") if {
	data.tvaers.subject.role_refused
} else := data.tvaers.category.denial_for(cat, "unknown_category") if {
	data.tvaers.category.unknown_category(cat)
} else := data.tvaers.category.denial_for(cat, "category_not_in_purpose") if {
	data.tvaers.category.outside_purpose(cat)
} else := data.tvaers.breakglass.denial_for(cat, "break_glass_justification") if {
	data.tvaers.breakglass.unjustified
} else := data.tvaers.consent.denial_for(cat, data.tvaers.consent.reason(cat)) if {
	# A category the purpose needs consent for, refused although the checks
	# above pass, has no consent chosen: it is unmet (consent.rego), without
	# computing unmet for every category.
	cat in data.tvaers.consent.needed
} else := data.tvaers.basis.denial_for(cat, "no_basis") if {
	not cat in data.tvaers.basis.has_basis
}

# The reference explanation: every candidate of every deny rule, and per
# refused category the lowest-ranked one. Not part of the decision (the
# decision builds one message per refused category through explain); kept
# for the test that the two agree.
candidates := (((data.tvaers.subject.deny | data.tvaers.category.deny) | data.tvaers.consent.deny) | data.tvaers.breakglass.deny) | data.tvaers.basis.deny

# Partial rules rather than functions: regorus caches a rule's value for the
# whole evaluation but re-evaluates a function's body on every call.
lowest_rank[cat] := min({cand.rank | some cand in candidates; cand.category == cat}) if {
	some cat in refused
}

best_denial[cat] := {"category": cat, "code": top.code, "message": top.message} if {
	some top in candidates
	cat := top.category
	top.rank == lowest_rank[cat]
}

reference_denials := [denial |
	some cat in refused
	denial := best_denial[cat]
]
