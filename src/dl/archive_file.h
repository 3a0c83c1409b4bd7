// Writing a LibTorch archive so that a crash never leaves half a file behind (internal to
// automl::torch): model files, training checkpoints, supernets and search checkpoints.
#ifndef AUTOML_SRC_DL_ARCHIVE_FILE_H_
#define AUTOML_SRC_DL_ARCHIVE_FILE_H_

#include <torch/torch.h>

#include <string>

namespace automl::dl {

// Saves |archive| beside |path| and renames it into place. Throws StorageError ("cannot write
// |what| 'PATH': REASON") when either step fails; a partial file is removed.
void SaveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path,
                           const std::string& what);

}  // namespace automl::dl

#endif  // AUTOML_SRC_DL_ARCHIVE_FILE_H_
