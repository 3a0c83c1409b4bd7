// Template definitions for registry.h; include registry.h instead.
#ifndef AUTOML_REGISTRY_IMPL_H_
#define AUTOML_REGISTRY_IMPL_H_

#include <utility>

#include "automl/error.h"

namespace automl {

template <typename T, typename Context>
void Registry<T, Context>::Add(const std::string& name, const std::string& summary,
                               Factory factory) {
  if (!entries_.emplace(name, Entry{summary, std::move(factory)}).second) {
    throw InvalidArgument(kind_ + " '" + name + "' is registered twice");
  }
}

template <typename T, typename Context>
std::vector<std::string> Registry<T, Context>::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

template <typename T, typename Context>
const std::string& Registry<T, Context>::Summary(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw NotFound("unknown " + kind_ + " '" + name + "'");
  return it->second.summary;
}

template <typename T, typename Context>
std::unique_ptr<T> Registry<T, Context>::Create(const Json& spec, const Context& context) const {
  ComponentOptions options(kind_, spec);
  auto it = entries_.find(options.name());
  if (it == entries_.end()) {
    std::string known;
    for (const auto& [name, entry] : entries_) known += (known.empty() ? "" : ", ") + name;
    throw InvalidArgument("unknown " + kind_ + " '" + options.name() + "' (known: " + known + ")");
  }
  std::unique_ptr<T> component = it->second.factory(options, context);
  options.CheckAllUsed();
  return component;
}

}  // namespace automl

#endif  // AUTOML_REGISTRY_IMPL_H_
