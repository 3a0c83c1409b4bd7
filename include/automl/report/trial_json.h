// The JSON and CSV shapes in which `automl show`, `best` and `export` print studies. They read
// storage only.
#ifndef AUTOML_REPORT_TRIAL_JSON_H_
#define AUTOML_REPORT_TRIAL_JSON_H_

#include <ostream>
#include <string>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/study.h"

namespace automl::report {

// Seconds since the epoch as ISO 8601 UTC with milliseconds ("2026-11-23T15:38:02.125Z").
std::string IsoTime(double seconds);

// {"number", "state", "params", "value" (one objective) or "values", "intermediate": {"step":
// value}, "reason", "started", "finished", "duration", "seed", "retry_of", "user_attrs", "host"}.
Json TrialToJson(const FrozenTrial& trial, size_t objectives);

// {"study": NAME, "directions", "counts", "space", "trials": [...]}; with |full|, also the config,
// the study's attributes and the environment it recorded.
Json StudyToJson(const Study& study, const std::vector<FrozenTrial>& trials, bool full);

// One row per trial: number, state, value(s), params (one column each, in space order), reason,
// started, finished, duration, seed. RFC 4180 quoting.
void WriteCsv(const Study& study, const std::vector<FrozenTrial>& trials, std::ostream& out);

}  // namespace automl::report

#endif  // AUTOML_REPORT_TRIAL_JSON_H_
