// The `model: {nasnet: {...}}` family of ModelSpec (internal to automl::torch): reading its
// genotype and turning the canonical mapping into NasnetOptions. See automl/dl/model.h.
#ifndef AUTOML_SRC_DL_NASNET_FAMILY_H_
#define AUTOML_SRC_DL_NASNET_FAMILY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/dl/nasnet.h"
#include "automl/json.h"

namespace automl::dl {

// The canonical JSON (nas::ToJson) of a `genotype:` value: a genotype mapping, or the path of a
// JSON (or YAML) file holding one, relative to the working directory. The genotype is checked
// against GenotypeSpace with the block count of its normal cell. Throws InvalidArgument starting
// with |where| ("model: nasnet"), naming the file when it comes from one.
Json CanonicalGenotype(const Json& value, const std::string& where);

// What a canonical family mapping needs beyond the ranges of its keys: a genotype, and what
// NasnetOptions::Validate asks (at most 1000 cells, 3 stages or more for an auxiliary head, ...).
// Throws InvalidArgument starting with |where| ("model: nasnet").
void CheckNasnetFamily(const Json& family, const std::string& where);

// The options of the canonical family mapping |family| (ModelSpec::ToJson().at("nasnet")), for
// images of |input_shape| and |classes| classes; keys left out take NasnetOptions' defaults.
NasnetOptions NasnetOptionsOf(const Json& family, const std::vector<int64_t>& input_shape,
                              int64_t classes);

}  // namespace automl::dl

#endif  // AUTOML_SRC_DL_NASNET_FAMILY_H_
