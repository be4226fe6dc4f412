# The decision document the gateway queries: data.tvaers.decision.
#
# Shape (gateway/policy/types.py): {"allow", "grants", "denials",
# "policy_version"}. The work is done in assembly.rego.
package tvaers

import rego.v1

decision := data.tvaers.assembly.decision
