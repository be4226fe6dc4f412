# The legal basis for a category that passed the subject and category checks.
package tvaers.basis

import rego.v1

# Data that stays inside the requester's own department crosses no boundary;
# otherwise the purpose's basis decides: a statute (citation), consent, or a
# justified break-glass claim (breakglass.rego) naming its episode.
#
# A function of plain values, called once per requested category on the
# grant path (see assembly.rego): source is the category's department,
# purpose_basis the purpose's basis object, usable the consents that can be a
# basis (data.tvaers.consent.usable). The else chain looks for a consent only
# when neither of the cheaper bases applies.
basis_for(cat, source, requester, purpose_basis, usable) := {"kind": "own_department", "ref": source} if {
	source == requester
} else := {"kind": "statute", "ref": purpose_basis.citation} if {
	purpose_basis.kind == "statute"
	is_string(purpose_basis.citation)
	purpose_basis.citation != ""
} else := {"kind": "consent", "ref": consent_id} if {
	purpose_basis.kind == "consent"
	consent_id := data.tvaers.consent.choose(cat, source, usable)
} else := {"kind": "break_glass", "ref": input.break_glass.episode} if {
	purpose_basis.kind == "break_glass"
	data.tvaers.breakglass.justified
}

# The basis of a requested category in this request, if it has one.
basis_of(cat) := basis_for(
	cat,
	data.tvaers.lib.category_department(cat),
	input.subject.department,
	data.tvaers.lib.purpose.basis,
	data.tvaers.consent.usable,
)

# Requested categories with a basis. A set rather than `not basis_for(cat,
# lib.category_department(cat))`: with an undefined argument (an unknown
# category) OPA makes that whole expression undefined and regorus true.
has_basis contains cat if {
	some cat in data.tvaers.lib.requested
	basis_of(cat)
}

# The denial for a requested category: its rank and message.
denial_for(cat, "no_basis") := data.tvaers.lib.denial(
	cat, 99, "no_basis",
	sprintf("Der er ingen hjemmel til at dele »%s« til formålet »%s«. Kontakt kommunens databeskyttelsesrådgiver.", [cat, data.tvaers.lib.purpose_title("da")]),
	sprintf("There is no legal basis to share »%s« for the purpose »%s«. Contact the municipality's data protection officer.", [cat, data.tvaers.lib.purpose_title("en")]),
)

# METADATA
# title: No legal basis
# description: >-
#   The last resort: a requested category without a legal basis is denied
#   unless a more specific denial applies (deny by default). Seen alone only
#   when the catalogue is inconsistent, e.g. a statute purpose without a
#   citation.
# custom:
#   short_name: no_basis
deny contains result if {
	some cat in data.tvaers.lib.requested
	not cat in has_basis
	result := denial_for(cat, "no_basis")
}
