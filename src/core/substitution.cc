#include "automl/substitution.h"

#include "automl/error.h"

namespace automl {
namespace {

// A piece of a template: literal text, or a parameter name.
struct Piece {
  bool is_param;
  std::string text;
};

std::vector<Piece> Parse(const std::string& text) {
  std::vector<Piece> pieces;
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal += '}';
      ++i;
    } else if (c == '{') {
      const size_t close = text.find('}', i + 1);
      if (close == std::string::npos) {
        throw InvalidArgument("'" + text + "': '{' without a closing '}' (write {{ for a brace)");
      }
      const std::string name = text.substr(i + 1, close - i - 1);
      if (name.empty() || name.find('{') != std::string::npos) {
        throw InvalidArgument("'" + text + "': '{}' needs a parameter name inside");
      }
      if (!literal.empty()) pieces.push_back({false, std::move(literal)});
      literal.clear();
      pieces.push_back({true, name});
      i = close;
    } else if (c == '}') {
      throw InvalidArgument("'" + text + "': '}' without an opening '{' (write }} for a brace)");
    } else {
      literal += c;
    }
  }
  if (!literal.empty()) pieces.push_back({false, std::move(literal)});
  return pieces;
}

}  // namespace

std::vector<std::string> Placeholders(const std::string& text) {
  std::vector<std::string> names;
  for (const Piece& p : Parse(text)) {
    if (p.is_param) names.push_back(p.text);
  }
  return names;
}

void CheckPlaceholders(const std::string& text, const SearchSpace& space,
                       const std::string& where) {
  std::vector<std::string> names;
  try {
    names = Placeholders(text);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + ": " + e.what());
  }
  for (const std::string& name : names) {
    if (!space.Find(name) && !space.FindStructured(name)) {
      throw InvalidArgument(where + ": '" + text + "' refers to {" + name +
                            "}, which is not a parameter of the space");
    }
  }
}

std::optional<std::string> SubstituteText(const std::string& text, const ParamMap& params,
                                          const StructuredValues& structured) {
  std::string out;
  for (const Piece& p : Parse(text)) {
    if (!p.is_param) {
      out += p.text;
      continue;
    }
    if (auto s = structured.find(p.text); s != structured.end()) {
      out += s->second.dump();
      continue;
    }
    auto it = params.find(p.text);
    if (it == params.end()) return std::nullopt;
    out += it->second.ToText();
  }
  return out;
}

namespace {

// The substituted form of |templ|, or nullopt when it refers to an inactive parameter.
std::optional<Json> Substitute(const Json& templ, const ParamMap& params,
                               const StructuredValues& structured) {
  if (templ.is_string()) {
    const std::string& text = templ.get_ref<const std::string&>();
    const std::vector<Piece> pieces = Parse(text);
    if (pieces.size() == 1 && pieces[0].is_param) {  // exactly "{name}": the value as it is
      if (auto s = structured.find(pieces[0].text); s != structured.end()) return s->second;
      auto it = params.find(pieces[0].text);
      if (it == params.end()) return std::nullopt;
      return it->second.ToJson();
    }
    auto substituted = SubstituteText(text, params, structured);
    if (!substituted) return std::nullopt;
    return Json(*substituted);
  }
  if (templ.is_array()) {
    Json out = Json::array();
    for (const Json& item : templ) {
      if (auto v = Substitute(item, params, structured)) out.push_back(std::move(*v));
    }
    return out;
  }
  if (templ.is_object()) {
    Json out = Json::object();
    for (const auto& [key, item] : templ.items()) {
      if (auto v = Substitute(item, params, structured)) out[key] = std::move(*v);
    }
    return out;
  }
  return templ;
}

}  // namespace

Json SubstituteJson(const Json& templ, const ParamMap& params, const StructuredValues& structured) {
  auto out = Substitute(templ, params, structured);
  return out ? *out : Json(nullptr);
}

}  // namespace automl
