// The samplers and pruners of automl::torch, added to a registry that BuiltinComponents()
// (automl/registry.h) filled with automl::core's:
//
//   Components components = BuiltinComponents();
//   dl::AddTorchComponents(components);  // sampler `reinforce`
#ifndef AUTOML_DL_COMPONENTS_H_
#define AUTOML_DL_COMPONENTS_H_

#include "automl/registry.h"

namespace automl::dl {

// Registers automl::torch's components in |components|. Throws InvalidArgument when one of their
// names is taken already (added twice).
void AddTorchComponents(Components& components);

}  // namespace automl::dl

#endif  // AUTOML_DL_COMPONENTS_H_
