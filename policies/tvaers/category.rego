# Which categories a purpose may receive: the category must exist and be
# listed in the purpose.
package tvaers.category

import rego.v1

# The conditions of the deny rules below, per category: read by them and by
# the decision's explanation (assembly.rego), which asks only about the
# refused categories.
unknown_category(cat) if object.get(data.catalogue.categories, cat, null) == null

outside_purpose(cat) if {
	object.get(data.catalogue.categories, cat, null) != null
	object.get(data.tvaers.lib.purpose.categories, cat, null) == null
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
	some cat in data.tvaers.lib.requested
	unknown_category(cat)
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
	some cat in data.tvaers.lib.requested
	outside_purpose(cat)
	result := denial_for(cat, "category_not_in_purpose")
}
