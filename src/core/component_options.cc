#include "automl/component_options.h"

#include "automl/error.h"

namespace automl {

ComponentOptions::ComponentOptions(std::string kind, const Json& spec) : kind_(std::move(kind)) {
  if (spec.is_string()) {
    name_ = spec.get<std::string>();
  } else if (spec.is_object()) {
    if (!spec.contains("name") || !spec.at("name").is_string()) {
      throw InvalidArgument(kind_ + ": a mapping needs a string 'name' (e.g. {name: random})");
    }
    name_ = spec.at("name").get<std::string>();
    for (const auto& [key, value] : spec.items()) {
      if (key != "name") options_[key] = value;
    }
  } else {
    throw InvalidArgument(kind_ + " must be a name or a mapping with a 'name', not " + spec.dump());
  }
  if (name_.empty()) throw InvalidArgument(kind_ + ": the name is empty");
}

std::string ComponentOptions::Describe() const { return kind_ + " '" + name_ + "'"; }

std::string ComponentOptions::Describe(const std::string& key) const {
  return Describe() + ": option '" + key + "'";
}

bool ComponentOptions::Has(const std::string& key) const {
  used_.insert(key);
  return options_.contains(key);
}

const Json* ComponentOptions::Lookup(const std::string& key) const {
  used_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &*it;
}

double ComponentOptions::Double(const std::string& key, double fallback, double min,
                                double max) const {
  const Json* v = Lookup(key);
  if (!v) return fallback;
  if (!v->is_number()) throw InvalidArgument(Describe(key) + " must be a number");
  const double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    throw InvalidArgument(Describe(key) + " must lie in [" + Json(min).dump() + ", " +
                          Json(max).dump() + "], not " + v->dump());
  }
  return d;
}

int64_t ComponentOptions::Int(const std::string& key, int64_t fallback, int64_t min,
                              int64_t max) const {
  const Json* v = Lookup(key);
  if (!v) return fallback;
  if (!v->is_number_integer()) throw InvalidArgument(Describe(key) + " must be an integer");
  const auto i = v->get<int64_t>();
  if (i < min || i > max) {
    throw InvalidArgument(Describe(key) + " must lie in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "], not " + std::to_string(i));
  }
  return i;
}

bool ComponentOptions::Bool(const std::string& key, bool fallback) const {
  const Json* v = Lookup(key);
  if (!v) return fallback;
  if (!v->is_boolean()) throw InvalidArgument(Describe(key) + " must be true or false");
  return v->get<bool>();
}

std::string ComponentOptions::String(const std::string& key, const std::string& fallback) const {
  const Json* v = Lookup(key);
  if (!v) return fallback;
  if (!v->is_string()) throw InvalidArgument(Describe(key) + " must be a string");
  return v->get<std::string>();
}

Json ComponentOptions::Raw(const std::string& key) const {
  const Json* v = Lookup(key);
  return v ? *v : Json(nullptr);
}

void ComponentOptions::CheckAllUsed() const {
  for (const auto& [key, value] : options_.items()) {
    if (used_.count(key) == 0) {
      std::string known;
      for (const std::string& k : used_) known += (known.empty() ? "" : ", ") + k;
      throw InvalidArgument(Describe() + ": unknown option '" + key + "'" +
                            (known.empty() ? " (it takes none)" : " (known: " + known + ")"));
    }
  }
}

}  // namespace automl
