#include "automl/structured_param.h"

#include <string>

#include "automl/error.h"
#include "core/nas/nasnet_cell_param.h"

namespace automl {

bool IsStructuredSpec(const Json& spec) {
  return spec.is_object() && spec.contains("type") && spec.at("type") == "nasnet-cell";
}

std::shared_ptr<const StructuredParam> StructuredParamFromJson(const std::string& name,
                                                               const Json& spec) {
  if (!IsStructuredSpec(spec)) {
    throw InvalidArgument("parameter '" + name +
                          "': not a structured parameter (type nasnet-cell)");
  }
  return nas::MakeNasnetCellParam(name, spec);
}

}  // namespace automl
