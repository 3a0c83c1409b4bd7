#include "automl/error.h"

namespace automl {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kAlreadyExists:
      return "already exists";
    case ErrorKind::kFailedPrecondition:
      return "failed precondition";
    case ErrorKind::kStorage:
      return "storage error";
    case ErrorKind::kVersion:
      return "version mismatch";
    case ErrorKind::kExhausted:
      return "exhausted";
    case ErrorKind::kInternal:
      return "internal error";
  }
  return "error";
}

}  // namespace automl
