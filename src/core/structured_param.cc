#include "automl/structured_param.h"

#include <string>

#include "automl/error.h"
#include "core/nas/chain_param.h"
#include "core/nas/nasnet_cell_param.h"

namespace automl {

bool IsStructuredSpec(const Json& spec) {
  if (!spec.is_object() || !spec.contains("type")) return false;
  const Json& type = spec.at("type");
  return type == "nasnet-cell" || type == "chain";
}

std::shared_ptr<const StructuredParam> StructuredParamFromJson(const std::string& name,
                                                               const Json& spec) {
  if (!IsStructuredSpec(spec)) {
    throw InvalidArgument("parameter '" + name +
                          "': not a structured parameter (type nasnet-cell or chain)");
  }
  if (spec.at("type") == "chain") return nas::MakeChainParam(name, spec);
  return nas::MakeNasnetCellParam(name, spec);
}

}  // namespace automl
