"""ember.nn.init: in-place initialisers as torch.nn.init, computed in C++
(nn/init.h) from ember's default generator, so manual_seed makes them reproducible."""

from .. import _C

_init = _C._nn.init

calculate_gain = _init.calculate_gain
_calculate_fan_in_and_fan_out = _init._calculate_fan_in_and_fan_out
uniform_ = _init.uniform_
normal_ = _init.normal_
constant_ = _init.constant_
zeros_ = _init.zeros_
ones_ = _init.ones_
xavier_uniform_ = _init.xavier_uniform_
xavier_normal_ = _init.xavier_normal_
kaiming_uniform_ = _init.kaiming_uniform_
kaiming_normal_ = _init.kaiming_normal_
trunc_normal_ = _init.trunc_normal_
orthogonal_ = _init.orthogonal_
