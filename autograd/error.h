// Errors thrown by ember: one base type (ember::Error) and the subclasses the
// Python bindings map to ValueError, TypeError and IndexError. EMBER_CHECK and
// friends format the message with fmt and never abort the process.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ember {

/// Base of every error ember raises on bad input or misuse (Python: RuntimeError).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A value is out of its allowed range or shapes disagree (Python: ValueError).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// An argument has the wrong dtype or kind (Python: TypeError).
class TypeError : public Error {
 public:
  using Error::Error;
};

/// A dimension or index is out of range (Python: IndexError).
class IndexError : public Error {
 public:
  using Error::Error;
};

}  // namespace ember

#define EMBER_CHECK_AS(Type, cond, ...)                  \
  do {                                                   \
    if (!(cond)) throw Type(fmt::format(__VA_ARGS__));   \
  } while (0)

/// User error: throws ember::ValueError with a fmt-formatted message.
#define EMBER_CHECK(cond, ...) EMBER_CHECK_AS(::ember::ValueError, cond, __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_AS(::ember::TypeError, cond, __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_AS(::ember::IndexError, cond, __VA_ARGS__)
/// Misuse that is neither a value, type nor index problem (Python: RuntimeError).
#define EMBER_CHECK_STATE(cond, ...) EMBER_CHECK_AS(::ember::Error, cond, __VA_ARGS__)
/// Internal invariant: a failure is a bug in ember, reported, never an abort.
#define EMBER_ASSERT(cond)                                                      \
  EMBER_CHECK_AS(::ember::Error, cond, "ember internal error: {} failed at {}:{}", \
                 #cond, __FILE__, __LINE__)
