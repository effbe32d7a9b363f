"""A custom operator with a hand-written backward, proven right by gradcheck and
gradgradcheck, then used inside an nn.Module that trains (the twin of custom_op.cpp).

SquarePlus(x) = (x + sqrt(x² + b)) / 2, a smooth ReLU (So et al., 2021):
  dy/dx = (1 + x / sqrt(x² + b)) / 2.
The backward is written with ember ops, so it is differentiable itself and second
derivatives (gradgradcheck) work too. It recomputes sqrt(x² + b) from the saved
input: forward runs without recording, so a tensor made there carries no graph back
to x, and saving it would make double backward treat it as a constant
(gradgradcheck catches exactly that mistake)."""
import sys

import ember
import ember.nn as nn
import ember.nn.functional as F


class SquarePlus(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x, b):
        ctx.save_for_backward(x)
        ctx.b = b
        return (x + (x * x + b).sqrt()) * 0.5

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        root = (x * x + ctx.b).sqrt()
        return grad * (1.0 + x / root) * 0.5, None  # b is a number: no gradient


class Net(nn.Module):
    """A two-layer network with SquarePlus between the layers."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        return self.fc2(SquarePlus.apply(self.fc1(x), 1.0))


def main():
    ember.manual_seed(0)
    # 1. The backward is right: first and second derivatives against finite differences.
    x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    op = lambda t: SquarePlus.apply(t, 0.5)  # noqa: E731
    first = ember.autograd.gradcheck(op, (x,), raise_exception=False)
    second = ember.autograd.gradgradcheck(op, (x,), raise_exception=False)
    print(f"SquarePlus gradcheck: {'passed' if first else 'FAILED'}, gradgradcheck: {'passed' if second else 'FAILED'}")

    # 2. It trains: two interleaved classes (inside vs outside a circle).
    points = ember.rand(512, 2) * 4.0 - 2.0
    labels = ((points * points).sum(1) < 1.5).long()
    net = Net()
    opt = ember.optim.Adam(net.parameters(), lr=0.02)
    for step in range(301):
        opt.zero_grad()
        loss = F.cross_entropy(net(points), labels)
        loss.backward()
        opt.step()
        if step == 0:
            loss0 = loss.item()
        if step % 100 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}")
    with ember.no_grad():
        accuracy = (net(points).argmax(1) == labels).double().mean().item()
    print(f"accuracy {accuracy:.1%}")
    return 0 if first and second and loss.item() < 0.5 * loss0 and accuracy > 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
