// Registry: components (samplers, pruners) registered by name and built from config options.
// There is no global registry: BuiltinComponents() returns one filled with automl::core's
// components, and other libraries (automl::torch) add theirs to it.
#ifndef AUTOML_REGISTRY_H_
#define AUTOML_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/json.h"
#include "automl/pruner.h"
#include "automl/sampler.h"

namespace automl {

template <typename T, typename Context>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<T>(const ComponentOptions&, const Context&)>;

  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // Registers |factory| under |name| with a one-line |summary| for --help texts.
  void Add(const std::string& name, const std::string& summary, Factory factory);
  bool Contains(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<std::string> Names() const;
  const std::string& Summary(const std::string& name) const;

  // Builds the component that |spec| (a name or {name: .., options}) describes. Throws
  // InvalidArgument for an unknown name (listing the known ones) or an unknown option.
  std::unique_ptr<T> Create(const Json& spec, const Context& context) const;

 private:
  struct Entry {
    std::string summary;
    Factory factory;
  };
  std::string kind_;
  std::map<std::string, Entry> entries_;
};

using SamplerRegistry = Registry<Sampler, SamplerContext>;
using PrunerRegistry = Registry<Pruner, PrunerContext>;

struct Components {
  SamplerRegistry samplers{"sampler"};
  PrunerRegistry pruners{"pruner"};
};

// The samplers and pruners of automl::core.
Components BuiltinComponents();

}  // namespace automl

#include "automl/registry_impl.h"  // IWYU pragma: export

#endif  // AUTOML_REGISTRY_H_
