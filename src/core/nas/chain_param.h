// The chain structured parameter. Internal to automl::core: spaces reach it through
// StructuredParamFromJson (automl/structured_param.h).
#ifndef AUTOML_SRC_CORE_NAS_CHAIN_PARAM_H_
#define AUTOML_SRC_CORE_NAS_CHAIN_PARAM_H_

#include <memory>
#include <string>

#include "automl/json.h"
#include "automl/structured_param.h"

namespace automl::nas {

// Reads {type: chain, layers, choices, stem, stages} (see ChainSpaceOptions::FromJson); throws
// InvalidArgument naming the parameter.
std::shared_ptr<const StructuredParam> MakeChainParam(const std::string& name, const Json& spec);

}  // namespace automl::nas

#endif  // AUTOML_SRC_CORE_NAS_CHAIN_PARAM_H_
