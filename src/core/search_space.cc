#include "automl/search_space.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "automl/error.h"
#include "automl/structured_param.h"

namespace automl {
namespace {

constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53: integers beyond lose precision

std::string Num(double v) { return ParamValue(v).ToText(); }

// Numbers compare by value whatever their JSON type (a choice 1 matches a value 1.0).
bool SameValue(const ParamValue& a, const ParamValue& b) {
  if (a.is_number() && b.is_number()) return a.AsDouble() == b.AsDouble();
  return a == b;
}

const ParamValue* FindChoice(const std::vector<ParamValue>& choices, const ParamValue& v) {
  for (const ParamValue& c : choices) {
    if (SameValue(c, v)) return &c;
  }
  return nullptr;
}

// Number of steps between low and high, when step divides the range (within rounding).
std::optional<uint64_t> StepCount(double low, double high, double step) {
  const double n = (high - low) / step;
  const double rounded = std::round(n);
  if (std::fabs(n - rounded) > 1e-9 * std::max(1.0, std::fabs(n))) return std::nullopt;
  return static_cast<uint64_t>(rounded);
}

bool IsNumber(const Json& j) { return j.is_number(); }

}  // namespace

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kFloat:
      return "float";
    case ParamType::kInt:
      return "int";
    case ParamType::kCategorical:
      return "categorical";
    case ParamType::kOrdinal:
      return "ordinal";
    case ParamType::kFixed:
      return "fixed";
  }
  return "?";
}

// ---- ParamSpec: construction -----------------------------------------------------------------

ParamSpec ParamSpec::Float(std::string name, double low, double high) {
  ParamSpec spec(std::move(name), ParamType::kFloat);
  spec.low_ = low;
  spec.high_ = high;
  return spec;
}

ParamSpec ParamSpec::Int(std::string name, int64_t low, int64_t high) {
  ParamSpec spec(std::move(name), ParamType::kInt);
  spec.low_ = static_cast<double>(low);
  spec.high_ = static_cast<double>(high);
  return spec;
}

ParamSpec ParamSpec::Categorical(std::string name, std::vector<ParamValue> choices) {
  ParamSpec spec(std::move(name), ParamType::kCategorical);
  spec.choices_ = std::move(choices);
  return spec;
}

ParamSpec ParamSpec::Ordinal(std::string name, std::vector<ParamValue> choices) {
  ParamSpec spec(std::move(name), ParamType::kOrdinal);
  spec.choices_ = std::move(choices);
  return spec;
}

ParamSpec ParamSpec::Fixed(std::string name, ParamValue value) {
  ParamSpec spec(std::move(name), ParamType::kFixed);
  spec.choices_ = {std::move(value)};
  return spec;
}

ParamSpec& ParamSpec::Log(bool log) {
  log_ = log;
  return *this;
}

ParamSpec& ParamSpec::Step(double step) {
  step_ = step;
  return *this;
}

ParamSpec& ParamSpec::When(std::string parent, std::vector<ParamValue> values) {
  conditions_.push_back({std::move(parent), std::move(values)});
  return *this;
}

// ---- ParamSpec: validity ---------------------------------------------------------------------

std::string ParamSpec::Problem() const {
  std::ostringstream out;
  out << "parameter '" << name_ << "': ";
  if (name_.empty()) return "a parameter has an empty name";
  if (name_.find_first_of("{}") != std::string::npos) {
    out << "a name cannot contain braces";
    return out.str();
  }
  switch (type_) {
    case ParamType::kFloat:
    case ParamType::kInt: {
      if (!std::isfinite(low_) || !std::isfinite(high_)) {
        out << "low and high must be finite";
      } else if (low_ >= high_) {
        out << "low (" << Num(low_) << ") must be less than high (" << Num(high_) << ")";
      } else if (log_ && low_ <= 0) {
        out << "log scale needs low > 0 (low is " << Num(low_) << ")";
      } else if (type_ == ParamType::kInt &&
                 (std::fabs(low_) > kMaxExactInt || std::fabs(high_) > kMaxExactInt)) {
        out << "integer bounds must lie within +-2^53";
      } else if (step_ && !(*step_ > 0 && std::isfinite(*step_))) {
        out << "step must be positive (step is " << Num(*step_) << ")";
      } else if (step_ && type_ == ParamType::kInt && std::nearbyint(*step_) != *step_) {
        out << "the step of an int must be an integer (step is " << Num(*step_) << ")";
      } else if (log_ && step_ && !(type_ == ParamType::kInt && *step_ == 1)) {
        out << "a log-scale parameter cannot have a step";
      } else if (step_ && !StepCount(low_, high_, *step_)) {
        out << "step " << Num(*step_) << " does not fit the range [" << Num(low_) << ", "
            << Num(high_) << "]: high - low = " << Num(high_ - low_) << " is not a multiple of it";
      } else {
        return "";
      }
      return out.str();
    }
    case ParamType::kCategorical:
    case ParamType::kOrdinal: {
      if (choices_.empty()) {
        out << "choices are empty";
        return out.str();
      }
      for (size_t i = 0; i < choices_.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (SameValue(choices_[i], choices_[j])) {
            out << "choice " << choices_[i].ToJson().dump() << " appears twice";
            return out.str();
          }
        }
      }
      return "";
    }
    case ParamType::kFixed:
      return "";
  }
  return "";
}

bool ParamSpec::Contains(const ParamValue& value) const {
  switch (type_) {
    case ParamType::kFloat: {
      if (!value.is_number()) return false;
      const double v = value.AsDouble();
      if (!(v >= low_ && v <= high_)) return false;
      return !step_ || StepCount(low_, v, *step_).has_value();
    }
    case ParamType::kInt: {
      if (!value.is_number()) return false;
      const double v = value.AsDouble();
      if (std::nearbyint(v) != v || v < low_ || v > high_) return false;
      const auto step = static_cast<int64_t>(step_.value_or(1));
      return (static_cast<int64_t>(v) - static_cast<int64_t>(low_)) % step == 0;
    }
    case ParamType::kCategorical:
    case ParamType::kOrdinal:
    case ParamType::kFixed:
      return FindChoice(choices_, value) != nullptr;
  }
  return false;
}

std::optional<uint64_t> ParamSpec::Cardinality() const {
  switch (type_) {
    case ParamType::kFloat:
      if (!step_) return std::nullopt;
      return *StepCount(low_, high_, *step_) + 1;
    case ParamType::kInt:
      return *StepCount(low_, high_, step_.value_or(1)) + 1;
    case ParamType::kCategorical:
    case ParamType::kOrdinal:
    case ParamType::kFixed:
      return choices_.size();
  }
  return std::nullopt;
}

ParamValue ParamSpec::ValueAt(uint64_t index) const {
  switch (type_) {
    case ParamType::kFloat: {
      if (!step_) throw InvalidArgument("parameter '" + name_ + "' is continuous");
      // The last value is high itself, not low + n * step with its rounding error.
      if (index + 1 >= *Cardinality()) return ParamValue(high_);
      return ParamValue(low_ + static_cast<double>(index) * *step_);
    }
    case ParamType::kInt:
      return ParamValue(static_cast<int64_t>(low_) +
                        static_cast<int64_t>(index) * static_cast<int64_t>(step_.value_or(1)));
    case ParamType::kCategorical:
    case ParamType::kOrdinal:
    case ParamType::kFixed:
      return choices_.at(index);
  }
  return ParamValue(0.0);
}

uint64_t ParamSpec::IndexOf(const ParamValue& value) const {
  if (!Contains(value)) {
    throw InvalidArgument("parameter '" + name_ + "': " + value.ToJson().dump() +
                          " is not one of its values");
  }
  switch (type_) {
    case ParamType::kFloat:
    case ParamType::kInt:
      return static_cast<uint64_t>(std::llround((value.AsDouble() - low_) / step_.value_or(1)));
    case ParamType::kCategorical:
    case ParamType::kOrdinal:
    case ParamType::kFixed:
      return static_cast<uint64_t>(FindChoice(choices_, value) - choices_.data());
  }
  return 0;
}

// ---- ParamSpec: the unit-interval mapping ------------------------------------------------------

namespace {

// log(low - 0.5) and log(high + 0.5): an integer log parameter gives each value the log-width of
// its cell [v - 0.5, v + 0.5], as Optuna does.
std::pair<double, double> LogIntBounds(double low, double high) {
  return {std::log(low - 0.5), std::log(high + 0.5)};
}

}  // namespace

ParamValue ParamSpec::FromUnit(double u) const {
  u = std::clamp(u, 0.0, std::nextafter(1.0, 0.0));
  if (type_ == ParamType::kFloat && !step_) {
    if (log_) {
      const double v = std::exp(std::log(low_) + u * (std::log(high_) - std::log(low_)));
      return ParamValue(std::clamp(v, low_, high_));
    }
    return ParamValue(std::clamp(low_ + u * (high_ - low_), low_, high_));
  }
  if (type_ == ParamType::kInt && log_) {
    const auto [lo, hi] = LogIntBounds(low_, high_);
    const double v = std::round(std::exp(lo + u * (hi - lo)));
    return ParamValue(static_cast<int64_t>(std::clamp(v, low_, high_)));
  }
  const uint64_t n = *Cardinality();
  const auto index = std::min(static_cast<uint64_t>(u * static_cast<double>(n)), n - 1);
  return ValueAt(index);
}

double ParamSpec::ToUnit(const ParamValue& value) const {
  if (type_ == ParamType::kFloat && !step_) {
    const double v = value.AsDouble();
    if (log_) return (std::log(v) - std::log(low_)) / (std::log(high_) - std::log(low_));
    return (v - low_) / (high_ - low_);
  }
  if (type_ == ParamType::kInt && log_) {
    const auto [lo, hi] = LogIntBounds(low_, high_);
    const double v = value.AsDouble();
    const double centre = 0.5 * (std::log(v - 0.5) + std::log(v + 0.5));
    return (centre - lo) / (hi - lo);
  }
  const double n = static_cast<double>(*Cardinality());
  return (static_cast<double>(IndexOf(value)) + 0.5) / n;
}

// ---- ParamSpec: JSON -------------------------------------------------------------------------

Json ParamSpec::ToJson() const {
  Json j = Json::object();
  j["type"] = ParamTypeName(type_);
  switch (type_) {
    case ParamType::kFloat:
      j["low"] = low_;
      j["high"] = high_;
      break;
    case ParamType::kInt:
      j["low"] = static_cast<int64_t>(low_);
      j["high"] = static_cast<int64_t>(high_);
      break;
    case ParamType::kCategorical:
    case ParamType::kOrdinal: {
      Json choices = Json::array();
      for (const ParamValue& c : choices_) choices.push_back(c.ToJson());
      j["choices"] = choices;
      break;
    }
    case ParamType::kFixed:
      j["value"] = choices_.front().ToJson();
      break;
  }
  if (log_) j["log"] = true;
  if (step_) {
    if (type_ == ParamType::kInt) {
      j["step"] = static_cast<int64_t>(*step_);
    } else {
      j["step"] = *step_;
    }
  }
  if (!conditions_.empty()) {
    Json when = Json::object();
    for (const Condition& c : conditions_) {
      Json values = Json::array();
      for (const ParamValue& v : c.values) values.push_back(v.ToJson());
      when[c.parent] = values.size() == 1 ? values[0] : values;
    }
    j["when"] = when;
  }
  return j;
}

namespace {

class SpecReader {
 public:
  SpecReader(const std::string& name, const Json& json) : name_(name), json_(json) {}

  [[noreturn]] void Fail(const std::string& problem) const {
    throw InvalidArgument("parameter '" + name_ + "': " + problem);
  }

  double Number(const char* key) const {
    const Json& v = Require(key);
    if (!IsNumber(v)) Fail(std::string(key) + " must be a number");
    return v.get<double>();
  }

  int64_t Integer(const char* key) const {
    const Json& v = Require(key);
    if (!v.is_number_integer()) {
      if (v.is_number_float() && std::nearbyint(v.get<double>()) == v.get<double>()) {
        return static_cast<int64_t>(v.get<double>());
      }
      Fail(std::string(key) + " must be an integer");
    }
    return v.get<int64_t>();
  }

  std::vector<ParamValue> Values(const char* key) const {
    const Json& v = Require(key);
    if (!v.is_array()) Fail(std::string(key) + " must be a list");
    std::vector<ParamValue> values;
    for (const Json& item : v) values.push_back(Value(item, key));
    return values;
  }

  ParamValue Value(const Json& item, const std::string& what) const {
    try {
      return ParamValue::FromJson(item);
    } catch (const InvalidArgument&) {
      Fail(what + " must hold numbers, booleans or strings, not " + item.dump());
    }
  }

  const Json& Require(const char* key) const {
    if (!json_.contains(key)) Fail(std::string("missing '") + key + "'");
    return json_.at(key);
  }

 private:
  const std::string& name_;
  const Json& json_;
};

}  // namespace

ParamSpec ParamSpec::FromJson(const std::string& name, const Json& json) {
  // Shorthands: a list is a categorical parameter, a scalar a fixed one.
  if (json.is_array()) {
    const Json wrapped = {{"choices", json}};
    return Categorical(name, SpecReader(name, wrapped).Values("choices"));
  }
  if (!json.is_object()) {
    return Fixed(name, SpecReader(name, json).Value(json, "a fixed value"));
  }
  SpecReader reader(name, json);
  if (!json.contains("type"))
    reader.Fail("missing 'type' (float, int, categorical, ordinal, fixed)");
  if (!json.at("type").is_string()) reader.Fail("'type' must be a string");
  const std::string type = json.at("type").get<std::string>();

  std::vector<std::string> allowed;
  ParamSpec spec = Fixed(name, 0);
  if (type == "float" || type == "int") {
    allowed = {"type", "low", "high", "log", "step", "when"};
    spec = type == "float" ? Float(name, reader.Number("low"), reader.Number("high"))
                           : Int(name, reader.Integer("low"), reader.Integer("high"));
    if (json.contains("log")) {
      if (!json.at("log").is_boolean()) reader.Fail("log must be true or false");
      spec.Log(json.at("log").get<bool>());
    }
    if (json.contains("step")) spec.Step(reader.Number("step"));
  } else if (type == "categorical" || type == "ordinal") {
    allowed = {"type", "choices", "when"};
    spec = type == "categorical" ? Categorical(name, reader.Values("choices"))
                                 : Ordinal(name, reader.Values("choices"));
  } else if (type == "fixed") {
    allowed = {"type", "value", "when"};
    spec = Fixed(name, reader.Value(reader.Require("value"), "value"));
  } else {
    reader.Fail("unknown type '" + type + "' (known: float, int, categorical, ordinal, fixed)");
  }

  for (const auto& [key, value] : json.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (const std::string& k : allowed) known += (known.empty() ? "" : ", ") + k;
      reader.Fail("unknown key '" + key + "' for a " + type + " parameter (known: " + known + ")");
    }
  }

  if (json.contains("when")) {
    const Json& when = json.at("when");
    if (!when.is_object() || when.empty()) {
      reader.Fail("when must be a mapping from a parent parameter to its value(s)");
    }
    for (const auto& [parent, values] : when.items()) {
      std::vector<ParamValue> allowed_values;
      if (values.is_array()) {
        for (const Json& v : values) allowed_values.push_back(reader.Value(v, "when"));
      } else {
        allowed_values.push_back(reader.Value(values, "when"));
      }
      spec.When(parent, std::move(allowed_values));
    }
  }
  return spec;
}

bool operator==(const ParamSpec& a, const ParamSpec& b) {
  // Compare the canonical config form: it holds every field that defines the parameter.
  return a.name_ == b.name_ && a.ToJson() == b.ToJson();
}

// ---- SearchSpace ------------------------------------------------------------------------------

SearchSpace::SearchSpace(std::vector<ParamSpec> params,
                         std::vector<std::shared_ptr<const StructuredParam>> structured)
    : structured_(std::move(structured)) {
  for (const auto& sp : structured_) {
    for (const ParamSpec& p : params) {
      if (p.name() == sp->name()) {
        throw InvalidArgument("parameter '" + p.name() + "' is defined twice");
      }
    }
    for (const ParamSpec& d : sp->decisions()) {
      decisions_.insert(d.name());
      params.push_back(d);
    }
  }
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string problem = params[i].Problem();
    if (!problem.empty()) throw InvalidArgument(problem);
    if (!position.emplace(params[i].name(), i).second) {
      throw InvalidArgument("parameter '" + params[i].name() + "' is defined twice");
    }
  }

  // Conditions must name a categorical or ordinal parent and some of its choices.
  for (const ParamSpec& p : params) {
    for (const Condition& c : p.conditions()) {
      const std::string where = "parameter '" + p.name() + "': when " + c.parent;
      auto it = position.find(c.parent);
      if (it == position.end()) {
        throw InvalidArgument(where + ": there is no parameter '" + c.parent + "'");
      }
      if (c.parent == p.name())
        throw InvalidArgument(where + ": a parameter cannot depend on itself");
      const ParamSpec& parent = params[it->second];
      if (parent.type() != ParamType::kCategorical && parent.type() != ParamType::kOrdinal) {
        throw InvalidArgument(where + ": '" + c.parent + "' is a " + ParamTypeName(parent.type()) +
                              " parameter; conditions need a categorical or ordinal parent");
      }
      if (c.values.empty()) throw InvalidArgument(where + ": no values given");
      for (const ParamValue& v : c.values) {
        if (!FindChoice(parent.choices(), v)) {
          throw InvalidArgument(where + ": " + v.ToJson().dump() + " is not a choice of '" +
                                c.parent + "'");
        }
      }
      has_conditions_ = true;
    }
  }

  // Order parents before children (Kahn's algorithm, stable in the given order).
  const size_t n = params.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<size_t>> children(n);
  for (size_t i = 0; i < n; ++i) {
    for (const Condition& c : params[i].conditions()) {
      children[position.at(c.parent)].push_back(i);
      ++pending[i];
    }
  }
  std::vector<bool> placed(n, false);
  std::vector<size_t> order;
  while (order.size() < n) {
    bool progressed = false;
    for (size_t i = 0; i < n; ++i) {
      if (placed[i] || pending[i] != 0) continue;
      placed[i] = true;
      order.push_back(i);
      for (size_t child : children[i]) --pending[child];
      progressed = true;
      break;  // restart from the front so that the given order breaks ties
    }
    if (!progressed) {
      // Every unplaced parameter waits on another: follow parents until one repeats.
      size_t at = 0;
      while (placed[at]) ++at;
      std::vector<size_t> path;
      while (std::find(path.begin(), path.end(), at) == path.end()) {
        path.push_back(at);
        for (const Condition& c : params[at].conditions()) {
          const size_t parent = position.at(c.parent);
          if (!placed[parent]) {
            at = parent;
            break;
          }
        }
      }
      std::string cycle;
      for (auto it = std::find(path.begin(), path.end(), at); it != path.end(); ++it) {
        cycle += "'" + params[*it].name() + "' -> ";
      }
      cycle += "'" + params[at].name() + "'";
      throw InvalidArgument("parameters depend on each other in a cycle: " + cycle);
    }
  }

  for (size_t i : order) {
    index_[params[i].name()] = params_.size();
    params_.push_back(std::move(params[i]));
  }
}

const ParamSpec* SearchSpace::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &params_[it->second];
}

const ParamSpec& SearchSpace::Get(const std::string& name) const {
  const ParamSpec* spec = Find(name);
  if (!spec) throw NotFound("the search space has no parameter '" + name + "'");
  return *spec;
}

bool SearchSpace::IsActive(const ParamSpec& param, const ParamMap& assigned) const {
  for (const Condition& c : param.conditions()) {
    auto it = assigned.find(c.parent);
    if (it == assigned.end()) return false;
    if (!FindChoice(c.values, it->second)) return false;
  }
  return true;
}

void SearchSpace::CheckParams(const ParamMap& params, bool allow_missing) const {
  for (const auto& [name, value] : params) {
    const ParamSpec* spec = Find(name);
    if (!spec) throw InvalidArgument("unknown parameter '" + name + "'");
    if (!spec->Contains(value)) {
      throw InvalidArgument("parameter '" + name + "': " + value.ToJson().dump() +
                            " is not a value it can take (" + spec->ToJson().dump() + ")");
    }
  }
  for (const ParamSpec& spec : params_) {
    const bool given = params.count(spec.name()) != 0;
    bool parents_given = true;
    for (const Condition& c : spec.conditions()) parents_given &= params.count(c.parent) != 0;
    if (allow_missing && !parents_given) continue;  // activity decided when parents are sampled
    const bool active = IsActive(spec, params);
    if (active && !given && !allow_missing) {
      throw InvalidArgument("parameter '" + spec.name() + "' is active but has no value");
    }
    if (!active && given) {
      throw InvalidArgument("parameter '" + spec.name() +
                            "' is inactive under the given parent values but has a value");
    }
  }
}

const StructuredParam* SearchSpace::FindStructured(const std::string& name) const {
  for (const auto& sp : structured_) {
    if (sp->name() == name) return sp.get();
  }
  return nullptr;
}

std::map<std::string, Json> SearchSpace::StructuredValues(const ParamMap& params) const {
  std::map<std::string, Json> values;
  for (const auto& sp : structured_) values.emplace(sp->name(), sp->Compose(params));
  return values;
}

Json SearchSpace::CanonicalParams(const ParamMap& params) const {
  Json j = Json::object();
  for (const auto& [name, value] : params) {
    if (!IsDecision(name)) j[name] = value.ToJson();
  }
  for (auto& [name, value] : StructuredValues(params)) j[name] = std::move(value);
  return j;
}

Json SearchSpace::ToJson() const {
  Json j = Json::object();
  for (const ParamSpec& p : params_) {
    if (!IsDecision(p.name())) j[p.name()] = p.ToJson();
  }
  for (const auto& sp : structured_) j[sp->name()] = sp->ToJson();
  return j;
}

SearchSpace SearchSpace::FromJson(const Json& json) {
  if (!json.is_object()) {
    throw InvalidArgument("space must be a mapping from parameter names to their specs");
  }
  std::vector<ParamSpec> params;
  std::vector<std::shared_ptr<const StructuredParam>> structured;
  for (const auto& [name, spec] : json.items()) {
    if (IsStructuredSpec(spec)) {
      structured.push_back(StructuredParamFromJson(name, spec));
    } else {
      params.push_back(ParamSpec::FromJson(name, spec));
    }
  }
  return SearchSpace(std::move(params), std::move(structured));
}

bool operator==(const SearchSpace& a, const SearchSpace& b) {
  if (a.size() != b.size() || a.structured().size() != b.structured().size()) return false;
  for (const ParamSpec& p : a.params()) {
    const ParamSpec* q = b.Find(p.name());
    if (!q || *q != p) return false;
  }
  for (const auto& sp : a.structured()) {
    const StructuredParam* other = b.FindStructured(sp->name());
    if (!other || other->ToJson() != sp->ToJson()) return false;
  }
  return true;
}

}  // namespace automl
