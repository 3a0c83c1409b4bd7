// The environment a result depends on, recorded with each study so that an experiment can be
// compared and repeated.
#ifndef AUTOML_EXEC_ENVIRONMENT_H_
#define AUTOML_EXEC_ENVIRONMENT_H_

#include <string>

#include "automl/json.h"

namespace automl::exec {

// {automl, host, os, cpu: {model, cores}, memory_gib, gpus: [...], compiler, libraries: {sqlite,
// nlohmann_json, yaml_cpp, boost}, git: {revision, dirty} (when |directory| is in a git
// checkout), directory}. Anything that cannot be read is left out; this never throws.
Json CaptureEnvironment(const std::string& directory = ".");

}  // namespace automl::exec

#endif  // AUTOML_EXEC_ENVIRONMENT_H_
