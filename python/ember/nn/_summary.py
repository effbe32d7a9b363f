"""ember.nn.summary: the Keras-style table of nn::summary (nn/summary.h), printed and returned."""

from .. import _C


def summary(model, input_size):
    """Runs ``model`` once on zeros of shape ``input_size`` and prints and returns its table.

    The table has one row per call of a leaf module (dotted name and type, output shape,
    parameter count), then the total, trainable and non-trainable parameter counts and their
    size in MB. ``input_size`` is the WHOLE input shape, batch dimension included, e.g.
    ``(1, 1, 28, 28)`` for lenet5 (as torchinfo, unlike torchsummary which prepends the
    batch itself): a shape without the batch is not guessed at, since (C, H, W) and (N, L, F)
    cannot be told apart. The model runs in eval mode without recording gradients; every
    module's training flag is restored afterwards.
    """
    if isinstance(input_size, int):
        raise TypeError("summary: expected input_size to be a sequence of ints including the batch dimension, "
                        f"e.g. (1, 3, 32, 32), got {input_size}")
    table = _C._models.summary(model, [int(n) for n in input_size])
    print(table, end="")
    return table
