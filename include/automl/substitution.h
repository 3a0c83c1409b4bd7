// Substituting a trial's parameters into configuration templates (see DESIGN "Substitution"):
//  - a string that is exactly "{name}" takes the parameter's value as is (a number stays a
//    number in JSON);
//  - inside a longer string a value is rendered as text: integers plainly, floats in shortest
//    round-trip form, booleans as true/false;
//  - "{{" and "}}" stand for literal braces;
//  - a structured parameter (an architecture) is its composed JSON: as is for "{arch}", compact
//    JSON text inside a longer string.
#ifndef AUTOML_SUBSTITUTION_H_
#define AUTOML_SUBSTITUTION_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/param_value.h"
#include "automl/search_space.h"

namespace automl {

// The parameter names that |text| refers to, in order. Throws InvalidArgument for an unbalanced
// brace or an empty name.
std::vector<std::string> Placeholders(const std::string& text);

// Throws InvalidArgument, naming |where|, when |text| refers to a parameter |space| lacks (plain
// or structured).
void CheckPlaceholders(const std::string& text, const SearchSpace& space, const std::string& where);

// The values of structured parameters by name (SearchSpace::StructuredValues).
using StructuredValues = std::map<std::string, Json>;

// |text| with its placeholders replaced; nullopt when it refers to a parameter that is absent
// from |params| and |structured| (inactive in this trial), so that the caller can drop it.
std::optional<std::string> SubstituteText(const std::string& text, const ParamMap& params,
                                          const StructuredValues& structured = {});

// |templ| with every string substituted (recursively through arrays and objects). A string that
// is exactly "{name}" becomes the value's JSON; an object member or array element whose string
// refers to an inactive parameter is dropped.
Json SubstituteJson(const Json& templ, const ParamMap& params,
                    const StructuredValues& structured = {});

}  // namespace automl

#endif  // AUTOML_SUBSTITUTION_H_
