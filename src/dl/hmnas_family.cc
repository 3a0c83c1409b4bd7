#include "dl/hmnas_family.h"

#include <filesystem>
#include <string>
#include <vector>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/nas/masked_cell.h"

namespace automl::dl {
namespace {

nas::MaskedGenotype ReadMasked(const Json& json, const std::string& where) {
  try {
    return nas::MaskedGenotypeFromJson(json);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + ": genotype: " + e.what());
  }
}

DartsNetworkOptions OptionsOf(const Json& family, const nas::MaskedGenotype& genotype,
                              const std::vector<int64_t>& input_shape, int64_t classes) {
  return DartsNetworkOptions(classes, input_shape)
      .filters(family.value("filters", int64_t{16}))
      .layers(family.value("layers", int64_t{5}))
      .stem_multiplier(family.value("stem_multiplier", int64_t{3}))
      .nodes(static_cast<int64_t>(genotype.normal.nodes.size()));
}

}  // namespace

Json CanonicalMaskedGenotype(const Json& value, const std::string& where) {
  if (value.is_string()) {
    const std::string path = value.get<std::string>();
    const std::string file = where + ": genotype file '" + path + "'";
    if (!std::filesystem::is_regular_file(path)) throw InvalidArgument(file + ": no such file");
    Json json;
    try {
      json = ReadConfigFile(path);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(file + ": " + e.what());
    }
    return nas::ToJson(ReadMasked(json, file));
  }
  return nas::ToJson(ReadMasked(value, where));
}

void CheckHmnasFamily(const Json& family, const std::string& where) {
  if (!family.contains("genotype")) {
    throw InvalidArgument(where +
                          ": genotype: missing (a masked-cell genotype, as `automl nas hmnas` "
                          "writes, or the path of a JSON file holding one)");
  }
  const nas::MaskedGenotype genotype = ReadMasked(family.at("genotype"), where);
  try {
    OptionsOf(family, genotype, {1, 8, 8}, 2).Validate();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + ": " + e.what());
  }
}

DartsNetwork HmnasNetworkOf(const Json& family, const std::vector<int64_t>& input_shape,
                            int64_t classes) {
  const nas::MaskedGenotype genotype = ReadMasked(family.at("genotype"), "model: hmnas");
  DartsNetwork net(OptionsOf(family, genotype, input_shape, classes));
  net->FixArchitecture(genotype);
  return net;
}

}  // namespace automl::dl
