# Break-glass (nødadgang): emergency access without consent, for the purposes
# whose basis kind is "break_glass" (e.g. noedadgang). The subject checks
# (subject.rego) already limit such a purpose to its named roles; this file
# adds the mandatory written justification and the episode the gateway opened.
#
# The gateway sends input.break_glass = {"justification": str, "episode": str}
# when the caller gave a justification; the grant's basis is then
# {"kind": "break_glass", "ref": <episode id>}.
package tvaers.breakglass

import rego.v1

# The shortest justification accepted, in characters after trimming spaces.
min_justification := 20

# True when the request carries a usable claim: a justification of at least
# min_justification characters and the id of the episode it belongs to.
justified if {
	claim := input.break_glass
	is_object(claim)
	is_string(claim.justification)
	count(trim_space(claim.justification)) >= min_justification
	is_string(claim.episode)
	claim.episode != ""
}

# The condition of the deny rule below, read by it and by the decision's
# explanation (assembly.rego).
unjustified if {
	data.tvaers.lib.purpose.basis.kind == "break_glass"
	not justified
}

# The denial for a requested category: its rank and message.
denial_for(cat, "break_glass_justification") := data.tvaers.lib.denial(
	cat, 65, "break_glass_justification",
	sprintf("Nødadgang kræver en skriftlig begrundelse på mindst %d tegn. Intet er delt.", [min_justification]),
	sprintf("Emergency access needs a written justification of at least %d characters. Nothing was shared.", [min_justification]),
)

# METADATA
# title: Break-glass without justification
# description: >-
#   Emergency access needs a written justification of at least 20 characters
#   in the request. Without it nothing is shared and no episode is opened.
# custom:
#   short_name: break_glass_justification
deny contains result if {
	unjustified
	some cat in data.tvaers.lib.requested
	result := denial_for(cat, "break_glass_justification")
}
