# The legal basis for a category that passed the subject and category checks.
package tvaers.basis

import rego.v1

import data.tvaers.consent
import data.tvaers.lib

# Data that stays inside the requester's own department crosses no boundary;
# otherwise the purpose's basis decides: a statute (citation) or consent.
basis_for(cat) := {"kind": "own_department", "ref": input.subject.department} if {
	lib.category_department(cat) == input.subject.department
} else := {"kind": "statute", "ref": citation} if {
	lib.purpose.basis.kind == "statute"
	citation := lib.purpose.basis.citation
	is_string(citation)
	citation != ""
} else := {"kind": "consent", "ref": consent_id} if {
	lib.purpose.basis.kind == "consent"
	consent_id := consent.chosen[cat]
}

# METADATA
# title: No legal basis
# description: >-
#   The last resort: every requested category is denied unless a grant or a
#   more specific denial applies (deny by default). Seen only when the
#   catalogue is inconsistent, e.g. a statute purpose without a citation.
# custom:
#   short_name: no_basis
deny contains result if {
	some cat in lib.requested
	result := lib.denial(
		cat, 99, "no_basis",
		sprintf("Der er ingen hjemmel til at dele »%s« til formålet »%s«. Kontakt kommunens databeskyttelsesrådgiver.", [cat, lib.purpose_title("da")]),
		sprintf("There is no legal basis to share »%s« for the purpose »%s«. Contact the municipality's data protection officer.", [cat, lib.purpose_title("en")]),
	)
}
