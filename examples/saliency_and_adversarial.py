"""Gradients with respect to the input, on the model train_fashion_mnist.py trained:
a saliency map (|d score of the predicted class / d pixel|) and an FGSM adversarial
example (x + eps * sign(d loss / d x)) for a few test images, saved as one PNG.
Run train_fashion_mnist.py first; then: python examples/saliency_and_adversarial.py"""
import argparse
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt

import ember
import ember.nn.functional as F
from ember.data import FashionMNIST, transforms as T

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from train_fashion_mnist import MEAN, STD, make_model  # noqa: E402  (the same model and normalisation)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", type=pathlib.Path, default=pathlib.Path("checkpoints/fashion_mnist_py.safetensors"),
                   help="the state_dict train_fashion_mnist.py saved")
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("results"), help="directory for the PNG")
    p.add_argument("--count", type=int, default=8, help="how many test images")
    p.add_argument("--eps", type=float, default=0.05, help="FGSM step, in pixel units (images are in [0, 1])")
    args = p.parse_args()

    model = make_model()
    model.load_state_dict(ember.load_file(str(args.checkpoint)))
    model.eval()  # batch-norm running statistics, no dropout
    test = FashionMNIST(train=False)
    x = T.Normalize([MEAN], [STD])(test.data[:args.count]).requires_grad_()
    labels = test.targets[:args.count]

    # Saliency: the gradient of each image's predicted-class score with respect to its pixels.
    logits = model(x)
    before = logits.argmax(1)
    (grad,) = ember.autograd.grad(logits.gather(1, before.unsqueeze(1)).sum(), x)
    saliency = grad.abs().amax(1)  # max over channels: (N, 28, 28)

    # FGSM: one step up the loss's gradient sign, kept inside the range of valid (normalised) pixels.
    (grad,) = ember.autograd.grad(F.cross_entropy(model(x), labels), x)
    with ember.no_grad():
        adversarial = (x + args.eps / STD * grad.sign()).clamp((0 - MEAN) / STD, (1 - MEAN) / STD)
        after = model(adversarial).argmax(1)
    flipped = int((before != after).sum().item())
    print(f"FGSM eps {args.eps}: {flipped} of {args.count} predictions changed; "
          f"accuracy {(before == labels).float().mean().item():.0%} -> {(after == labels).float().mean().item():.0%}")

    names = FashionMNIST.classes
    fig, ax = plt.subplots(3, args.count, figsize=(2 * args.count, 6.8), squeeze=False)
    rows = [(x.detach(), "gray", "image"), (saliency, "hot", "saliency |grad|"), (adversarial, "gray", "FGSM")]
    for r, (images, cmap, label) in enumerate(rows):
        for i in range(args.count):
            image = images[i].numpy().reshape(28, 28)
            ax[r, i].imshow(image * STD + MEAN if cmap == "gray" else image, cmap=cmap,
                            vmin=0 if cmap == "gray" else None, vmax=1 if cmap == "gray" else None)
            ax[r, i].set(xticks=[], yticks=[])
        ax[r, 0].set_ylabel(label)
    for i in range(args.count):
        ax[0, i].set_title(f"true {names[labels[i].item()]}\npred {names[before[i].item()]}", fontsize=9)
        changed = after[i].item() != before[i].item()
        ax[2, i].set_title(f"pred {names[after[i].item()]}", fontsize=9, color="red" if changed else "black")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "saliency_and_adversarial.png"
    fig.savefig(png, dpi=90)
    print(f"saved {png}")


if __name__ == "__main__":
    main()
