// Argument checks and kernel-input helpers that several op families share,
// so that each rule, and the message it gives, is written once.
#pragma once

#include <string>

#include "autograd/tensor.h"

namespace ember {

/// Throws ValueError unless `t` is defined and TypeError unless it is float32
/// or float64; `name` is the argument as the message names it.
void check_floating(const char* op, const Tensor& t, const char* name = "input");

/// t's values laid out contiguously for a kernel to read: t itself when it is
/// contiguous, otherwise a copy the tape does not record.
Tensor contiguous_data(const Tensor& t);

/// x with dim d moved last, contiguous and not recorded: rows of length x.size(d)
/// for a kernel that works one row at a time (sort, cumsum, ...).
Tensor rows_along(const Tensor& x, int64_t d);
/// Back from rows_along's layout to x's (transpose is its own inverse), contiguous.
Tensor from_rows(const Tensor& rows, int64_t d);

/// A (h, w) argument as messages show it: "(h, w)", or "w" alone for a 1-d op.
std::string pair_str(Pair p, bool one_d);

}  // namespace ember
