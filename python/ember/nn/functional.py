"""ember.nn.functional (import as ``F``): torch.nn.functional's convolution,
pooling, activation, normalization, dropout and loss functions, with PyTorch's
signatures and defaults. Each is a C++ op bound in ember._C._functional, and
every function bound there is one of these: adding a binding adds the name."""

from .._C import _functional

globals().update({_name: getattr(_functional, _name) for _name in dir(_functional) if not _name.startswith("_")})
del _functional
