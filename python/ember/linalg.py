"""ember.linalg: torch.linalg's norms (vector_norm, matrix_norm, norm), bound in
C++ (python/src/ops_more.cpp)."""

from ._C import _linalg

globals().update({_name: getattr(_linalg, _name) for _name in dir(_linalg) if not _name.startswith("_")})
