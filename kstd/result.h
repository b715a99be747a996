#pragma once

// Result<T>: a value or an Error, returned by every fallible call (no exceptions).
// Propagate failures with TRY:
//   kstd::Result<Frame> AllocTwo() { Frame a = TRY(Alloc()); ... }

#include "kstd/error.h"
#include "kstd/utility.h"

namespace kstd {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : has_value_(true) { new (&storage_) T(value); }         // NOLINT
  Result(T&& value) : has_value_(true) { new (&storage_) T(kstd::Move(value)); }  // NOLINT
  Result(Error error) : has_value_(false), error_(error) {}                       // NOLINT

  Result(const Result& other) : has_value_(other.has_value_), error_(other.error_) {
    if (has_value_) new (&storage_) T(other.value());
  }
  Result(Result&& other) : has_value_(other.has_value_), error_(other.error_) {
    if (has_value_) new (&storage_) T(kstd::Move(other.value()));
  }
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&& other) {
    if (this == &other) return *this;
    if (has_value_) value().~T();
    has_value_ = other.has_value_;
    error_ = other.error_;
    if (has_value_) new (&storage_) T(kstd::Move(other.value()));
    return *this;
  }
  ~Result() {
    if (has_value_) value().~T();
  }

  bool ok() const { return has_value_; }
  bool is_error() const { return !has_value_; }
  Error error() const { return error_; }

  T& value() { return *reinterpret_cast<T*>(&storage_); }
  const T& value() const { return *reinterpret_cast<const T*>(&storage_); }
  T release_value() { return kstd::Move(value()); }

 private:
  bool has_value_;
  Error error_ = Error::kInvalid;
  alignas(T) unsigned char storage_[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : has_value_(true) {}
  Result(Error error) : has_value_(false), error_(error) {}  // NOLINT

  bool ok() const { return has_value_; }
  bool is_error() const { return !has_value_; }
  Error error() const { return error_; }
  void release_value() {}

 private:
  bool has_value_;
  Error error_ = Error::kInvalid;
};

/// Convenience for `return kstd::Ok();` in functions returning Result<void>.
inline Result<void> Ok() { return Result<void>(); }

}  // namespace kstd

// Evaluates a Result-returning expression; on error returns the error from the
// enclosing function, otherwise yields the value. (GNU statement expression,
// supported by both clang and gcc.)
#define TRY(expr)                                           \
  ({                                                        \
    auto _try_result = (expr);                              \
    if (_try_result.is_error()) return _try_result.error(); \
    _try_result.release_value();                            \
  })
