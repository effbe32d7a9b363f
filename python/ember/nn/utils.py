"""ember.nn.utils: gradient clipping as torch.nn.utils (computed in C++ by
ember::optim::clip_grad_norm_ / clip_grad_value_) and conv-BN folding for
inference (nn::fuse_conv_bn_eval / nn::fold_conv_bn, nn/fold.h)."""

from .. import _C

__all__ = ["clip_grad_norm_", "clip_grad_value_", "fuse_conv_bn_eval", "fold_conv_bn"]


def _params(parameters):
    return [parameters] if isinstance(parameters, _C.Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients so their joint norm is at most max_norm; returns the total norm (a 0-d tensor)."""
    params = _params(parameters)
    total = _C._optim.clip_grad_norm_(params, float(max_norm), float(norm_type), error_if_nonfinite)
    grads = [p.grad for p in params if p.grad is not None]
    dtype = grads[0].dtype if grads else _C.dtype.float32
    return _C.full([], total, dtype=dtype)


def clip_grad_value_(parameters, clip_value):
    """Clamps every gradient element into [-clip_value, clip_value] in place."""
    _C._optim.clip_grad_value_(_params(parameters), float(clip_value))


def fuse_conv_bn_eval(conv, bn):
    """A new Conv2d (with a bias, in eval mode) whose output equals bn(conv(x)) with both in eval mode.

    With s = bn.weight / sqrt(bn.running_var + bn.eps): weight' = conv.weight * s and
    bias' = (conv.bias - bn.running_mean) * s + bn.bias. Both must be in eval mode and bn must
    track running stats.
    """
    return _C._models.fuse_conv_bn_eval(conv, bn)


def fold_conv_bn(model):
    """Folds every Conv2d -> BatchNorm2d pair of ``model`` (in eval mode) for inference.

    Pairs inside Sequentials and the conv/bn pairs of ResNet stems and blocks are folded: the
    convolution becomes the fused one and the BatchNorm2d an Identity. Returns the number of
    pairs folded.
    """
    return _C._models.fold_conv_bn(model)
