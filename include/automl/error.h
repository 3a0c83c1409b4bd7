// automl's one error hierarchy. Every error the library throws is an automl::Error of one of the
// kinds below; the CLI catches it once, prints what() as one line on stderr and maps the kind to
// an exit code (usage and invalid input: 2, everything else: 1).
#ifndef AUTOML_ERROR_H_
#define AUTOML_ERROR_H_

#include <stdexcept>
#include <string>

namespace automl {

enum class ErrorKind {
  kInvalidArgument,     // bad input: a config, a search space, a parameter set, an API misuse
  kNotFound,            // a study or trial that does not exist
  kAlreadyExists,       // a study name that is taken
  kFailedPrecondition,  // an operation not allowed in the current state (tell on a finished trial)
  kStorage,             // the storage failed (I/O, corruption, a lock that never cleared)
  kVersion,             // the storage was written by a newer automl
  kExhausted,           // a sampler has no new point left (a finished grid)
  kInternal,            // a bug in automl
};

// Returns a short lower-case name for |kind| ("invalid argument", ...).
const char* ErrorKindName(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

class InvalidArgument : public Error {
 public:
  explicit InvalidArgument(const std::string& message)
      : Error(ErrorKind::kInvalidArgument, message) {}
};

class NotFound : public Error {
 public:
  explicit NotFound(const std::string& message) : Error(ErrorKind::kNotFound, message) {}
};

class AlreadyExists : public Error {
 public:
  explicit AlreadyExists(const std::string& message) : Error(ErrorKind::kAlreadyExists, message) {}
};

class FailedPrecondition : public Error {
 public:
  explicit FailedPrecondition(const std::string& message)
      : Error(ErrorKind::kFailedPrecondition, message) {}
};

class StorageError : public Error {
 public:
  explicit StorageError(const std::string& message) : Error(ErrorKind::kStorage, message) {}
};

class VersionError : public Error {
 public:
  explicit VersionError(const std::string& message) : Error(ErrorKind::kVersion, message) {}
};

class Exhausted : public Error {
 public:
  explicit Exhausted(const std::string& message) : Error(ErrorKind::kExhausted, message) {}
};

class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(ErrorKind::kInternal, message) {}
};

}  // namespace automl

#endif  // AUTOML_ERROR_H_
