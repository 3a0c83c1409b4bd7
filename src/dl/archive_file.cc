#include "dl/archive_file.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "automl/error.h"

namespace automl::dl {

void SaveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path,
                           const std::string& what) {
  const std::string partial = path + ".partial";
  try {
    archive.save_to(partial);
  } catch (const c10::Error& e) {
    std::remove(partial.c_str());
    throw StorageError("cannot write " + what + " '" + path + "': " + e.what_without_backtrace());
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) throw StorageError("cannot write " + what + " '" + path + "': " + ec.message());
}

}  // namespace automl::dl
