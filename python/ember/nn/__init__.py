"""ember.nn: neural-network building blocks, as torch.nn. ``ember.nn.functional``
holds the stateless ops (convolution, pooling, activations, losses, ...); the
layers are C++ modules, subclassable from Python as torch.nn.Module."""

from . import functional, init, models, utils
from ._summary import summary
from .modules import *  # noqa: F401,F403  (the layers: modules.__all__)
