# Who may ask for what: the purpose must exist, and the requesting subject's
# department and roles must be among those the purpose names. A failure here
# denies every requested category.
package tvaers.subject

import rego.v1

# The positive form of the checks below, for the grant path: true exactly
# when none of the deny rules of this file fires.
allowed if {
	purpose := data.tvaers.lib.purpose
	dept := input.subject.department
	departments := data.catalogue.departments
	departments[dept]
	dept in purpose.requesting_departments
	role_allowed
}

# The conditions of the deny rules below, one rule each, read by the deny
# rules and by the decision's explanation (assembly.rego).
unknown_purpose if not data.catalogue.purposes[input.purpose]

unknown_department if not data.catalogue.departments[input.subject.department]

department_refused if {
	purpose := data.tvaers.lib.purpose
	dept := input.subject.department
	data.catalogue.departments[dept]
	not dept in purpose.requesting_departments
}

role_refused if {
	data.tvaers.lib.purpose
	not role_allowed
}

# The denial for a requested category, by code: its rank and message.
denial_for(cat, "unknown_purpose") := data.tvaers.lib.denial(
	cat, 10, "unknown_purpose",
	sprintf("Formålet »%s« findes ikke i kataloget over godkendte formål, så der kan ikke deles oplysninger.", [input.purpose]),
	sprintf("The purpose »%s« is not in the catalogue of approved purposes, so nothing can be shared.", [input.purpose]),
)

denial_for(cat, "unknown_department") := data.tvaers.lib.denial(
	cat, 20, "unknown_department",
	sprintf("Din forvaltning »%s« er ikke kendt i kataloget. Kontakt din systemadministrator.", [input.subject.department]),
	sprintf("Your department »%s« is not in the catalogue. Contact your system administrator.", [input.subject.department]),
)

denial_for(cat, "department_not_allowed") := data.tvaers.lib.denial(
	cat, 30, "department_not_allowed",
	sprintf("%s kan ikke bruge formålet »%s«.", [data.tvaers.lib.department_title(input.subject.department, "da"), data.tvaers.lib.purpose_title("da")]),
	sprintf("%s cannot use the purpose »%s«.", [data.tvaers.lib.department_title(input.subject.department, "en"), data.tvaers.lib.purpose_title("en")]),
)

denial_for(cat, "role_not_allowed") := result if {
	purpose := data.tvaers.lib.purpose
	needed_da := concat(", ", [data.tvaers.lib.role_title(role, "da") | some role in purpose.roles])
	needed_en := concat(", ", [data.tvaers.lib.role_title(role, "en") | some role in purpose.roles])
	result := data.tvaers.lib.denial(
		cat, 40, "role_not_allowed",
		sprintf("Din rolle giver ikke adgang til formålet »%s«. Det kræver en af rollerne: %s.", [data.tvaers.lib.purpose_title("da"), needed_da]),
		sprintf("Your role does not give access to the purpose »%s«. It needs one of the roles: %s.", [data.tvaers.lib.purpose_title("en"), needed_en]),
	)
}

# METADATA
# title: Unknown purpose
# description: >-
#   The requested purpose is not in the catalogue. Nothing is shared for a
#   purpose that has not been reviewed and published.
# custom:
#   short_name: unknown_purpose
deny contains result if {
	unknown_purpose
	some cat in data.tvaers.lib.requested
	result := denial_for(cat, "unknown_purpose")
}

# METADATA
# title: Unknown department
# description: >-
#   The requesting subject's department is not in the catalogue, so it cannot
#   be checked against any purpose.
# custom:
#   short_name: unknown_department
deny contains result if {
	unknown_department
	some cat in data.tvaers.lib.requested
	result := denial_for(cat, "unknown_department")
}

# METADATA
# title: Department may not use the purpose
# description: >-
#   The purpose names the departments that may ask for data under it; the
#   requesting subject's department is not one of them.
# custom:
#   short_name: department_not_allowed
deny contains result if {
	department_refused
	some cat in data.tvaers.lib.requested
	result := denial_for(cat, "department_not_allowed")
}

# METADATA
# title: Role may not use the purpose
# description: >-
#   None of the requesting subject's roles is among the roles the purpose
#   allows.
# custom:
#   short_name: role_not_allowed
deny contains result if {
	role_refused
	some cat in data.tvaers.lib.requested
	result := denial_for(cat, "role_not_allowed")
}

role_allowed if {
	allowed_roles := data.tvaers.lib.purpose.roles
	some role in input.subject.roles
	role in allowed_roles
}
