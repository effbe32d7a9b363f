"""ember.nn: neural-network building blocks, as torch.nn. ``ember.nn.functional``
holds the stateless ops (convolution, pooling, activations, losses, ...)."""

from . import functional
