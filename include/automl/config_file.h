// Reading configuration files: YAML (which includes JSON) into Json.
#ifndef AUTOML_CONFIG_FILE_H_
#define AUTOML_CONFIG_FILE_H_

#include <string>

#include "automl/json.h"

namespace automl {

// Parses YAML text. Plain scalars follow YAML 1.2's core schema: integers, floats (1e-5, .inf,
// .nan), true/false, null; anything else, and every quoted scalar, is a string. Throws
// InvalidArgument with |source|, line and column on a syntax error.
Json ParseYaml(const std::string& text, const std::string& source);

// Reads a YAML or JSON file. Throws InvalidArgument when it cannot be read or parsed.
Json ReadConfigFile(const std::string& path);

}  // namespace automl

#endif  // AUTOML_CONFIG_FILE_H_
