// Search spaces: the parameters a study searches over, their kinds and ranges, and the conditions
// under which a parameter is active.
//
//   SearchSpace space({
//       ParamSpec::Float("lr", 1e-5, 1e-1).Log(),
//       ParamSpec::Int("layers", 1, 8),
//       ParamSpec::Categorical("opt", {"sgd", "adam"}),
//       ParamSpec::Float("momentum", 0.8, 0.99).When("opt", {"sgd"}),
//   });
//
// A SearchSpace is immutable and always valid: its constructor refuses an invalid space with an
// InvalidArgument that names the parameter and the problem.
#ifndef AUTOML_SEARCH_SPACE_H_
#define AUTOML_SEARCH_SPACE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/param_value.h"

namespace automl {

enum class ParamType {
  kFloat,        // a real number in [low, high], uniform or log-uniform, optionally stepped
  kInt,          // an integer in [low, high], uniform or log-uniform, with a step
  kCategorical,  // one of unordered choices
  kOrdinal,      // one of choices in a meaningful order (samplers may treat the index as ordered)
  kFixed,        // a constant
};

const char* ParamTypeName(ParamType type);

// A parameter is active only when every condition holds: its parent is active and has one of the
// listed values.
struct Condition {
  std::string parent;
  std::vector<ParamValue> values;
};

class ParamSpec {
 public:
  static ParamSpec Float(std::string name, double low, double high);
  static ParamSpec Int(std::string name, int64_t low, int64_t high);
  static ParamSpec Categorical(std::string name, std::vector<ParamValue> choices);
  static ParamSpec Ordinal(std::string name, std::vector<ParamValue> choices);
  static ParamSpec Fixed(std::string name, ParamValue value);

  // Fluent setters; validity is checked when the spec joins a SearchSpace.
  ParamSpec& Log(bool log = true);
  ParamSpec& Step(double step);
  ParamSpec& When(std::string parent, std::vector<ParamValue> values);

  const std::string& name() const { return name_; }
  ParamType type() const { return type_; }
  double low() const { return low_; }
  double high() const { return high_; }
  bool log() const { return log_; }
  // The step of a stepped float or of an int (1 unless set).
  std::optional<double> step() const { return step_; }
  const std::vector<ParamValue>& choices() const { return choices_; }
  const std::vector<Condition>& conditions() const { return conditions_; }
  bool is_conditional() const { return !conditions_.empty(); }
  bool is_discrete() const { return type_ != ParamType::kFloat || step_.has_value(); }

  // The problem with this parameter on its own, or "" when there is none.
  std::string Problem() const;

  // Whether |value| is a value this parameter can take (type, range, step, choices).
  bool Contains(const ParamValue& value) const;

  // Number of distinct values of a discrete parameter; nullopt for a continuous float.
  std::optional<uint64_t> Cardinality() const;
  // The |index|-th value of a discrete parameter in ascending order (or in choice order).
  ParamValue ValueAt(uint64_t index) const;
  // The index of |value| among the discrete values (inverse of ValueAt).
  uint64_t IndexOf(const ParamValue& value) const;

  // The unit-interval mapping every sampler shares: FromUnit(u), u in [0, 1), is uniform in the
  // parameter's own scale (log scale for log parameters; equal mass per value for discrete ones).
  ParamValue FromUnit(double u) const;
  // Inverse of FromUnit: the centre of the value's cell in [0, 1).
  double ToUnit(const ParamValue& value) const;

  // The spec as written in a config: {type: float, low: .., high: .., log: true, when: {..}}.
  Json ToJson() const;
  static ParamSpec FromJson(const std::string& name, const Json& json);

  friend bool operator==(const ParamSpec& a, const ParamSpec& b);
  friend bool operator!=(const ParamSpec& a, const ParamSpec& b) { return !(a == b); }

 private:
  ParamSpec(std::string name, ParamType type) : name_(std::move(name)), type_(type) {}

  std::string name_;
  ParamType type_;
  double low_ = 0;
  double high_ = 0;
  bool log_ = false;
  std::optional<double> step_;
  std::vector<ParamValue> choices_;  // categorical and ordinal; the one value of a fixed parameter
  std::vector<Condition> conditions_;
};

class StructuredParam;

class SearchSpace {
 public:
  SearchSpace() = default;
  // Validates the whole space; throws InvalidArgument naming the first problem found. Each
  // structured parameter (an architecture, automl/structured_param.h) adds its decisions to the
  // parameters.
  explicit SearchSpace(std::vector<ParamSpec> params,
                       std::vector<std::shared_ptr<const StructuredParam>> structured = {});

  // Parameters with every parent before its children; otherwise in the order given.
  const std::vector<ParamSpec>& params() const { return params_; }
  size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  const ParamSpec* Find(const std::string& name) const;
  // Throws NotFound when there is no such parameter.
  const ParamSpec& Get(const std::string& name) const;
  bool has_conditions() const { return has_conditions_; }

  // Whether |param| is active given the values of its parents in |assigned| (parents are
  // decided before their children, so a partial assignment in params() order suffices).
  bool IsActive(const ParamSpec& param, const ParamMap& assigned) const;

  // Throws InvalidArgument unless |params| holds exactly the active parameters, each a value the
  // parameter can take. With |allow_missing|, active parameters may be absent (a partial set to
  // be completed by a sampler).
  void CheckParams(const ParamMap& params, bool allow_missing = false) const;

  // The structured parameters; their decisions are among params().
  const std::vector<std::shared_ptr<const StructuredParam>>& structured() const {
    return structured_;
  }
  const StructuredParam* FindStructured(const std::string& name) const;
  // Whether |name| is a decision of a structured parameter.
  bool IsDecision(const std::string& name) const { return decisions_.count(name) != 0; }
  // Each structured parameter's value (canonical JSON) composed from its decisions in |params|.
  std::map<std::string, Json> StructuredValues(const ParamMap& params) const;
  // |params| as one JSON object in which equal configurations are equal: the parameters that are
  // not decisions as they are, and each structured parameter's canonical value instead of its
  // decisions. Two trials that try the same architecture with the same other values have the
  // same canonical params, whatever their decisions' spelling.
  Json CanonicalParams(const ParamMap& params) const;

  // The config form: a mapping from parameter name to its spec, the plain parameters in
  // params() order, then the structured ones in their config form (not their decisions).
  Json ToJson() const;
  static SearchSpace FromJson(const Json& json);

  // Equal when both hold the same parameters, whatever their order.
  friend bool operator==(const SearchSpace& a, const SearchSpace& b);
  friend bool operator!=(const SearchSpace& a, const SearchSpace& b) { return !(a == b); }

 private:
  std::vector<ParamSpec> params_;
  std::map<std::string, size_t> index_;
  bool has_conditions_ = false;
  std::vector<std::shared_ptr<const StructuredParam>> structured_;
  std::set<std::string> decisions_;
};

}  // namespace automl

#endif  // AUTOML_SEARCH_SPACE_H_
