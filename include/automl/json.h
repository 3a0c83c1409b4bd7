// The JSON type used across automl's API (configs, attributes, records).
#ifndef AUTOML_JSON_H_
#define AUTOML_JSON_H_

#include <nlohmann/json.hpp>

namespace automl {

// Objects keep the order their keys were written in (a config reads back as the user wrote it).
using Json = nlohmann::ordered_json;

}  // namespace automl

#endif  // AUTOML_JSON_H_
