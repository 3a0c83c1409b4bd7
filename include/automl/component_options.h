// ComponentOptions: a sampler's, pruner's or storage's options as a config writes them, either a
// bare name (`sampler: random`) or a mapping (`sampler: {name: grid, resolution: 4}`).
//
// A factory reads the options it knows with the typed getters and then calls CheckAllUsed(), which
// refuses any option no getter asked for, naming it and the known ones.
#ifndef AUTOML_COMPONENT_OPTIONS_H_
#define AUTOML_COMPONENT_OPTIONS_H_

#include <cstdint>
#include <set>
#include <string>

#include "automl/json.h"

namespace automl {

class ComponentOptions {
 public:
  // |kind| names the component in messages ("sampler"). Throws InvalidArgument when |spec| is
  // neither a string nor a mapping with a string `name`.
  ComponentOptions(std::string kind, const Json& spec);

  const std::string& kind() const { return kind_; }
  const std::string& name() const { return name_; }
  bool Has(const std::string& key) const;

  // Typed getters; each returns |fallback| when the option is absent and throws InvalidArgument
  // naming the option when it has the wrong type or is out of [min, max].
  double Double(const std::string& key, double fallback, double min = -1e308,
                double max = 1e308) const;
  int64_t Int(const std::string& key, int64_t fallback, int64_t min = INT64_MIN,
              int64_t max = INT64_MAX) const;
  bool Bool(const std::string& key, bool fallback) const;
  std::string String(const std::string& key, const std::string& fallback) const;
  // Any JSON value (for structured options); null when absent.
  Json Raw(const std::string& key) const;

  // Throws InvalidArgument for the first option that no getter asked for.
  void CheckAllUsed() const;

  // "sampler 'grid'": the prefix of every message about these options.
  std::string Describe() const;
  // "sampler 'grid': option 'resolution'".
  std::string Describe(const std::string& key) const;

 private:
  const Json* Lookup(const std::string& key) const;

  std::string kind_;
  std::string name_;
  Json options_ = Json::object();
  mutable std::set<std::string> used_;
};

}  // namespace automl

#endif  // AUTOML_COMPONENT_OPTIONS_H_
