// Checking the keys of a config mapping: an unknown key is refused with one line that names it,
// where it is, and the known key it is probably a typo of.
#ifndef AUTOML_CONFIG_KEYS_H_
#define AUTOML_CONFIG_KEYS_H_

#include <string>
#include <vector>

#include "automl/json.h"

namespace automl {

// Throws InvalidArgument ("WHERE: unknown key 'trails' (did you mean 'trials'?)") for the first
// key of |object| not in |known|. |object| must be a mapping.
void CheckKnownKeys(const Json& object, const std::vector<std::string>& known,
                    const std::string& where);

// The entry of |candidates| within two edits of |key|, or "" when there is none.
std::string ClosestKey(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace automl

#endif  // AUTOML_CONFIG_KEYS_H_
