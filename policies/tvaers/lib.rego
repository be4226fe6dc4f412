# Shared look-ups in the catalogue and the request, used by every rule file.
#
# Portable subset: this package runs on regorus (embedded) and on OPA (server
# and test oracle), so it avoids sprintf("%q"), ref heads, rego.metadata.* and
# comprehensions in rule-head arguments. Local variable names never repeat a
# rule name of the same package (regorus rejects that shadowing).
package tvaers.lib

import rego.v1

# The purpose's catalogue entry; undefined for an unknown purpose.
purpose := data.catalogue.purposes[input.purpose]

# Requested categories, sorted and unique whatever order the caller sent:
# grants and denials are emitted in this order.
requested := sort({cat | some cat in input.categories})

now_ns := time.parse_rfc3339_ns(input.now)

time_ns(ts) := time.parse_rfc3339_ns(ts)

# Catalogue look-ups go through object.get: regorus 0.13 evaluates a
# variable-indexed ref into data (data.catalogue.categories[cat]) several
# times slower, and these run once per category per decision.
category_department(cat) := dept if {
	dept := object.get(data.catalogue.categories, [cat, "department"], null)
	dept != null
}

known_category(cat) if object.get(data.catalogue.categories, cat, null) != null

# Titles fall back to the raw id so that a message can always name what is
# missing, even when the id is not in the catalogue.
category_title(cat, lang) := object.get(data.catalogue.categories, [cat, "title", lang], cat)

department_title(dept, lang) := object.get(data.catalogue.departments, [dept, "title", lang], dept)

purpose_title(lang) := object.get(data.catalogue.purposes, [input.purpose, "title", lang], input.purpose)

role_title(role, lang) := object.get(data.catalogue.roles, [role, lang], role)

# Field minimisation is precomputed in the catalogue index
# (data.catalogue.index.purposes[purpose][category].fields, see
# gateway/policy/catalogue_index.py): the purpose's fields for the category,
# limited to the fields the catalogue defines, sorted.

# A denial candidate. The rank orders candidates for one category: the
# decision reports the lowest rank, i.e. the most fundamental reason.
denial(cat, rank, code, da, en) := {
	"category": cat,
	"rank": rank,
	"code": code,
	"message": {"da": da, "en": en},
}
