# Which categories a purpose may receive: the category must exist and be
# listed in the purpose.
package tvaers.category

import rego.v1

# The conditions of the deny rules below, read by them and by the decision's
# explanation (assembly.rego).
unknown contains cat if {
	some cat in data.tvaers.lib.requested
	not data.tvaers.lib.known_category(cat)
}

outside_purpose contains cat if {
	purpose := data.tvaers.lib.purpose
	some cat in data.tvaers.lib.requested
	data.tvaers.lib.known_category(cat)
	object.get(purpose.categories, cat, null) == null
}

# The denial for a requested category, by code: its rank and message.
denial_for(cat, "unknown_category") := data.tvaers.lib.denial(
	cat, 50, "unknown_category",
	sprintf("Oplysningstypen »%s« findes ikke i kataloget.", [cat]),
	sprintf("The data category »%s« is not in the catalogue.", [cat]),
)

denial_for(cat, "category_not_in_purpose") := data.tvaers.lib.denial(
	cat, 60, "category_not_in_purpose",
	sprintf("»%s« indgår ikke i formålet »%s« og kan derfor ikke deles.", [data.tvaers.lib.category_title(cat, "da"), data.tvaers.lib.purpose_title("da")]),
	sprintf("»%s« is not part of the purpose »%s« and cannot be shared.", [data.tvaers.lib.category_title(cat, "en"), data.tvaers.lib.purpose_title("en")]),
)

# METADATA
# title: Unknown category
# description: >-
#   The requested data category is not in the catalogue, so no department
#   serves it and no purpose can cover it.
# custom:
#   short_name: unknown_category
deny contains result if {
	some cat in unknown
	result := denial_for(cat, "unknown_category")
}

# METADATA
# title: Category outside the purpose
# description: >-
#   The purpose does not list the requested category: the data is not needed
#   for the purpose and is withheld (data minimisation).
# custom:
#   short_name: category_not_in_purpose
deny contains result if {
	some cat in outside_purpose
	result := denial_for(cat, "category_not_in_purpose")
}
