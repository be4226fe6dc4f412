# Masks applied to OPA's decision logs (configured in deploy/opa/opa.yaml).
#
# The gateway sends `input.citizen` as an HMAC pseudonym, never a CPR number; it is removed from
# decision logs anyway so they cannot be joined to a citizen without the audit log.
package system.log

mask contains "/input/citizen"
