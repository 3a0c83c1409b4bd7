#include "automl/report/trial_json.h"

#include <cmath>
#include <ctime>
#include <sstream>

namespace automl::report {
namespace {

Json ValuesJson(const std::vector<double>& values) {
  Json out = Json::array();
  for (double v : values) out.push_back(std::isfinite(v) ? Json(v) : Json(ParamValue(v).ToText()));
  return out;
}

Json Time(const std::optional<double>& t) { return t ? Json(IsoTime(*t)) : Json(nullptr); }

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Number(double v) { return ParamValue(v).ToText(); }

}  // namespace

std::string IsoTime(double seconds) {
  const auto whole = static_cast<std::time_t>(std::floor(seconds));
  const int millis = static_cast<int>(std::lround((seconds - std::floor(seconds)) * 1000)) % 1000;
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buffer;
}

Json TrialToJson(const FrozenTrial& trial, size_t objectives) {
  Json j = Json::object();
  j["number"] = trial.number;
  j["state"] = TrialStateName(trial.state);
  j["params"] = ParamsToJson(trial.params);
  if (objectives == 1) {
    j["value"] = trial.values.empty() ? Json(nullptr) : ValuesJson(trial.values)[0];
  } else {
    j["values"] = trial.values.empty() ? Json(nullptr) : ValuesJson(trial.values);
  }
  Json intermediate = Json::object();
  for (const auto& [step, values] : trial.intermediate) {
    const Json v = ValuesJson(values);
    intermediate[std::to_string(step)] = objectives == 1 ? v[0] : v;
  }
  j["intermediate"] = intermediate;
  j["reason"] = trial.reason.empty() ? Json(nullptr) : Json(trial.reason);
  j["started"] = Time(trial.started);
  j["finished"] = Time(trial.finished);
  const auto duration = trial.Duration();
  j["duration"] = duration ? Json(*duration) : Json(nullptr);
  j["seed"] = trial.seed;
  j["retry_of"] = trial.retry_of ? Json(*trial.retry_of) : Json(nullptr);
  j["host"] = trial.worker.host.empty() ? Json(nullptr) : Json(trial.worker.host);
  j["user_attrs"] = trial.user_attrs;
  if (trial.system_attrs.contains("command")) j["command"] = trial.system_attrs.at("command");
  return j;
}

Json StudyToJson(const Study& study, const std::vector<FrozenTrial>& trials, bool full) {
  Json j = Json::object();
  j["study"] = study.name();
  Json directions = Json::array();
  for (Direction d : study.directions()) directions.push_back(DirectionName(d));
  j["directions"] = directions;
  const TrialCounts c = study.Counts();
  j["counts"] = {{"complete", c.complete},
                 {"pruned", c.pruned},
                 {"failed", c.failed},
                 {"running", c.running},
                 {"waiting", c.waiting}};
  j["space"] = study.space().ToJson();
  j["seed"] = study.seed();
  if (full) {
    const StudyRecord record = study.Record();
    j["created"] = IsoTime(record.created);
    j["config"] = record.config;
    j["user_attrs"] = record.user_attrs;
    j["system_attrs"] = record.system_attrs;
  }
  Json list = Json::array();
  for (const FrozenTrial& t : trials) list.push_back(TrialToJson(t, study.directions().size()));
  j["trials"] = list;
  return j;
}

void WriteCsv(const Study& study, const std::vector<FrozenTrial>& trials, std::ostream& out) {
  const size_t objectives = study.directions().size();
  out << "number,state";
  if (objectives == 1) {
    out << ",value";
  } else {
    for (size_t i = 0; i < objectives; ++i) out << ",value_" << i;
  }
  for (const ParamSpec& p : study.space().params()) out << "," << CsvField("param_" + p.name());
  out << ",reason,started,finished,duration,seed\n";
  for (const FrozenTrial& t : trials) {
    out << t.number << "," << TrialStateName(t.state);
    for (size_t i = 0; i < objectives; ++i) {
      out << "," << (i < t.values.size() ? Number(t.values[i]) : "");
    }
    for (const ParamSpec& p : study.space().params()) {
      auto it = t.params.find(p.name());
      out << "," << (it == t.params.end() ? "" : CsvField(it->second.ToText()));
    }
    const auto duration = t.Duration();
    out << "," << CsvField(t.reason) << "," << (t.started ? IsoTime(*t.started) : "") << ","
        << (t.finished ? IsoTime(*t.finished) : "") << "," << (duration ? Number(*duration) : "")
        << "," << t.seed << "\n";
  }
}

}  // namespace automl::report
