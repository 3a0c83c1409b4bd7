#include "automl/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "automl/error.h"

namespace automl {
namespace {

std::string Where(const std::string& source, const YAML::Mark& mark) {
  if (mark.line < 0) return source;
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
Json PlainScalar(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return std::stod(s);  // too large for an integer: keep it as a number
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  static const std::set<std::string> kInf = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
  if (kInf.count(s)) return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  return s;
}

Json Convert(const YAML::Node& node, const std::string& source) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // A quoted scalar has the non-specific tag "!": it is always a string.
      if (node.Tag() == "!") return node.Scalar();
      return PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const YAML::Node& item : node) out.push_back(Convert(item, source));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& item : node) {
        if (!item.first.IsScalar()) {
          throw InvalidArgument(Where(source, item.first.Mark()) + ": keys must be plain names");
        }
        const std::string key = item.first.Scalar();
        if (out.contains(key)) {
          throw InvalidArgument(Where(source, item.first.Mark()) + ": duplicate key '" + key + "'");
        }
        out[key] = Convert(item.second, source);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Json ParseYaml(const std::string& text, const std::string& source) {
  try {
    return Convert(YAML::Load(text), source);
  } catch (const YAML::Exception& e) {
    throw InvalidArgument(Where(source, e.mark) + ": " + e.msg);
  }
}

Json ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument("cannot read config file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InvalidArgument("cannot read config file '" + path + "'");
  return ParseYaml(text.str(), path);
}

}  // namespace automl
