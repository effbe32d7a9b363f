// Names and promotion of dtypes.
#include "autograd/dtype.h"

namespace ember {

const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
    default: return "bool";
  }
}

Dtype promote_types(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == Dtype::Bool) return b;
  if (b == Dtype::Bool) return a;
  if (a == Dtype::Float64 || b == Dtype::Float64) return Dtype::Float64;
  return Dtype::Float32;  // float32 with int64
}

}  // namespace ember
