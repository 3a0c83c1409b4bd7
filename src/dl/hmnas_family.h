// The `model: {hmnas: {...}}` family of ModelSpec (internal to automl::torch): an HM-NAS result
// (automl/nas/masked_cell.h) built as its search network with the architecture fixed
// (DartsNetworkImpl::FixArchitecture), to be trained from scratch. See automl/dl/model.h.
#ifndef AUTOML_SRC_DL_HMNAS_FAMILY_H_
#define AUTOML_SRC_DL_HMNAS_FAMILY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/dl/darts_network.h"
#include "automl/json.h"

namespace automl::dl {

// The canonical JSON (nas::ToJson) of a `genotype:` value: a masked-cell genotype mapping, or the
// path of a JSON (or YAML) file holding one. Throws InvalidArgument starting with |where|.
Json CanonicalMaskedGenotype(const Json& value, const std::string& where);

// Checks a canonical family mapping: a genotype whose node count the network takes, layers of
// at least 3. Throws InvalidArgument starting with |where| ("model: hmnas").
void CheckHmnasFamily(const Json& family, const std::string& where);

// The network of the canonical family mapping |family| for images of |input_shape| and |classes|
// classes: filters (16), layers (5), stem_multiplier (3), nodes from the genotype.
DartsNetwork HmnasNetworkOf(const Json& family, const std::vector<int64_t>& input_shape,
                            int64_t classes);

}  // namespace automl::dl

#endif  // AUTOML_SRC_DL_HMNAS_FAMILY_H_
