// Paths of a chain supernet, the vocabulary of the one-shot (weight-sharing) path samplers.
//
// A chain space has L layers; layer i offers n_i choices (candidate operations). Its size is
// given by |choices| = {n_0, ..., n_{L-1}}. A path picks one choice per layer: path[i] in
// [0, n_i). A prefix of a path (a partial model in PC-NAS) fixes the first layers only.
//
// The samplers built on this (UniformPathSampler, GreedyPathSampler, PartialModelPool,
// ConstrainedPathEvolution) decide which paths a supernet trains and evaluates; training and
// evaluating them is the caller's (LibTorch) side. A hard constraint (FLOPs, latency, parameters)
// is a PathPredicate on whole paths.
#ifndef AUTOML_NAS_PATH_H_
#define AUTOML_NAS_PATH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "automl/json.h"
#include "automl/random.h"

namespace automl::nas {

using Path = std::vector<int64_t>;
// A path with its metric (a loss or an accuracy; each user says which).
using ScoredPath = std::pair<Path, double>;
// Whether a whole path is allowed (e.g. FLOPs <= budget). An empty function allows every path.
using PathPredicate = std::function<bool(const Path&)>;

// Throws InvalidArgument "<where>: choices: ..." unless |choices| lists at least one layer and
// every layer offers at least one choice.
void ValidateChoices(const std::vector<int64_t>& choices, const std::string& where);

// Throws InvalidArgument "<where>: ..." unless |path| is a prefix of a path of the space: at most
// |choices|.size() entries (exactly that many when |whole|), entry i in [0, choices[i]).
void CheckPath(const Path& path, const std::vector<int64_t>& choices, const std::string& where,
               bool whole = true);

// Every layer from |prefix|.size() on drawn uniformly and independently: with an empty prefix,
// SPOS's uniform path. Draws one Rng::Below per remaining layer, in layer order.
Path CompleteUniformly(const Path& prefix, const std::vector<int64_t>& choices, Rng& rng);
inline Path UniformPath(const std::vector<int64_t>& choices, Rng& rng) {
  return CompleteUniformly({}, choices, rng);
}

// The number of whole paths, the product of the choice counts (a double: it may be huge).
double PathCount(const std::vector<int64_t>& choices);

// "[0, 3, 1]", for messages.
std::string PathText(const Path& path);

// A path as a JSON array of integers, and back; FromJson throws InvalidArgument naming |where|
// for anything but an array of integers, and checks the path against |choices| (see CheckPath).
Json PathToJson(const Path& path);
Path PathFromJson(const Json& json, const std::vector<int64_t>& choices, const std::string& where,
                  bool whole = true);

// Scored paths as [{"path": [...], "score": x}, ...] and back (finite scores only: JSON has no
// infinity or NaN).
Json ScoredPathsToJson(const std::vector<ScoredPath>& paths);
std::vector<ScoredPath> ScoredPathsFromJson(const Json& json, const std::vector<int64_t>& choices,
                                            const std::string& where, bool whole = true);

}  // namespace automl::nas

#endif  // AUTOML_NAS_PATH_H_
