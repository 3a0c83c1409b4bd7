#include "dl/nasnet_family.h"

#include <filesystem>
#include <string>
#include <vector>

#include "automl/config_file.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

// The normal cell's block list: the cell itself, or its "blocks" when the cell is written with its
// output mode ({output: all, blocks: [...]}); nullptr when there is none.
const Json* NormalBlocks(const Json& genotype) {
  if (!genotype.is_object() || !genotype.contains("normal")) return nullptr;
  const Json& normal = genotype.at("normal");
  if (normal.is_array()) return &normal;
  if (normal.is_object() && normal.contains("blocks") && normal.at("blocks").is_array()) {
    return &normal.at("blocks");
  }
  return nullptr;
}

// The block count to check a genotype mapping against: that of its normal cell. A mapping without
// a list there gets the default, for nas::FromJson to refuse with its own message.
int BlockCount(const Json& genotype, const std::string& where) {
  const Json* normal = NormalBlocks(genotype);
  if (normal == nullptr) return nas::CellSpaceOptions().blocks;
  const auto blocks = static_cast<int64_t>(normal->size());
  if (blocks < nas::CellSpaceOptions::kMinBlocks || blocks > nas::CellSpaceOptions::kMaxBlocks) {
    throw InvalidArgument(where + ": genotype: normal: needs " +
                          std::to_string(nas::CellSpaceOptions::kMinBlocks) + " to " +
                          std::to_string(nas::CellSpaceOptions::kMaxBlocks) + " blocks, not " +
                          std::to_string(blocks));
  }
  return static_cast<int>(blocks);
}

nas::Genotype ReadGenotype(const Json& genotype, const std::string& where) {
  const nas::CellSpaceOptions space = GenotypeSpace(BlockCount(genotype, where));
  try {
    return nas::FromJson(genotype, space);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + ": " + e.what());  // "...: genotype: normal[1].ops[0]: ..."
  }
}

Json ReadGenotypeFile(const std::string& path, const std::string& where) {
  const std::string file = where + ": genotype file '" + path + "'";
  if (!std::filesystem::is_regular_file(path)) throw InvalidArgument(file + ": no such file");
  Json json;
  try {
    json = ReadConfigFile(path);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(file + ": " + e.what());
  }
  return nas::ToJson(ReadGenotype(json, file));
}

}  // namespace

Json CanonicalGenotype(const Json& value, const std::string& where) {
  if (value.is_string()) return ReadGenotypeFile(value.get<std::string>(), where);
  if (!value.is_object()) {
    throw InvalidArgument(where +
                          ": genotype must be a genotype mapping ({normal: [...], reduction: "
                          "[...]}) or the path of a JSON file holding one, not " +
                          value.dump());
  }
  return nas::ToJson(ReadGenotype(value, where));
}

void CheckNasnetFamily(const Json& family, const std::string& where) {
  if (!family.contains("genotype")) {
    throw InvalidArgument(where +
                          ": genotype: missing (a genotype mapping, or the path of a JSON file "
                          "holding one)");
  }
  // The checks that do not depend on the data: any image shape and class count will do.
  try {
    NasnetOptionsOf(family, {1, 1, 1}, 1).Validate();
  } catch (const InvalidArgument& e) {
    const std::string prefix = "nasnet: ";  // Validate's, which |where| names already
    std::string what = e.what();
    if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
    throw InvalidArgument(where + ": " + what);
  }
}

NasnetOptions NasnetOptionsOf(const Json& family, const std::vector<int64_t>& input_shape,
                              int64_t classes) {
  const Json& genotype = family.at("genotype");
  NasnetOptions o(ReadGenotype(genotype, "model: nasnet"), classes, input_shape);
  o.cells(family.value("cells", o.cells()));
  o.filters(family.value("filters", o.filters()));
  o.stages(family.value("stages", o.stages()));
  o.stem_multiplier(family.value("stem_multiplier", o.stem_multiplier()));
  o.drop_path(family.value("drop_path", o.drop_path()));
  o.dropout(family.value("dropout", o.dropout()));
  o.auxiliary(family.value("auxiliary", o.auxiliary()));
  o.auxiliary_weight(family.value("auxiliary_weight", o.auxiliary_weight()));
  return o;
}

}  // namespace automl::dl
