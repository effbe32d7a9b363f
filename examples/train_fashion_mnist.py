"""The C++ train_fashion_mnist job in ember Python: the default CNN, AdamW with a
one-cycle schedule stepped per batch (random flip + crop with --augment), a tqdm bar
per epoch.
Saves the weights (the checkpoint saliency_and_adversarial.py loads) and a PNG with
the loss/accuracy curves, the confusion matrix and the learned first-layer filters.
Quick run: python examples/train_fashion_mnist.py --epochs 1 --limit-train 512 --limit-test 256"""
import argparse
import pathlib

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.data import DataLoader, FashionMNIST, TensorDataset, transforms as T

MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST's pixel mean and std


def make_model():
    """The C++ example's default model: (conv-BN-ReLU-maxpool) x 2, then a small classifier."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def load_split(train, limit):
    """The first `limit` images (all with 0), normalised once, as tensors."""
    ds = FashionMNIST(train=train)
    n = limit or len(ds)
    return TensorDataset(T.Normalize([MEAN], [STD])(ds.data[:n]), ds.targets[:n])


def run_epoch(model, loader, desc, opt=None, sched=None, augment=None):
    """One pass over `loader` (training when `opt` is given): mean loss, accuracy, confusion matrix."""
    model.train(opt is not None)
    loss_sum, confusion = 0.0, np.zeros((10, 10), dtype=np.int64)
    with ember.set_grad_enabled(opt is not None), tqdm(loader, desc=desc, disable=opt is None) as bar:
        for x, y in bar:
            logits = model(augment(x) if augment else x)
            loss = F.cross_entropy(logits, y)
            if opt is not None:
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            loss_sum += loss.item() * len(y)
            np.add.at(confusion, (y.numpy(), logits.argmax(1).numpy()), 1)
            seen = confusion.sum()
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{np.trace(confusion) / seen:.2%}")
    return loss_sum / confusion.sum(), np.trace(confusion) / confusion.sum(), confusion


def plot(history, confusion, filters, path):
    fig, ax = plt.subplots(2, 2, figsize=(13, 11))
    ax = ax.ravel()
    for i, name in enumerate(["loss", "accuracy"]):
        for split in ("train", "test"):
            ax[i].plot(range(1, len(history[split]) + 1), [h[i] for h in history[split]], "o-", label=split)
        ax[i].set(xlabel="epoch", title=name)
        ax[i].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax[i].legend()
    ax[2].imshow(confusion, cmap="Blues")
    ax[2].set(title="test confusion matrix", xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10))
    ax[2].set_xticklabels(FashionMNIST.classes, rotation=90)
    ax[2].set_yticklabels(FashionMNIST.classes)
    for (i, j), n in np.ndenumerate(confusion):
        ax[2].text(j, i, n, ha="center", va="center", fontsize=8, color="white" if n > confusion.max() / 2 else "black")
    mosaic = np.full((4 * 4 - 1, 8 * 4 - 1), np.nan)  # the 32 3x3 kernels, 4 rows of 8, gaps left blank
    for k, w in enumerate(filters[:, 0]):
        mosaic[k // 8 * 4:k // 8 * 4 + 3, k % 8 * 4:k % 8 * 4 + 3] = w / np.abs(w).max()
    ax[3].imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1)
    ax[3].set(title="learned first-layer filters (32 kernels 3x3, red > 0 > blue)", xticks=[], yticks=[])
    ax[3].set_facecolor("0.85")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--epochs", type=int, default=10, help="passes over the training set")
    p.add_argument("--batch-size", type=int, default=128, help="training images per step")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    p.add_argument("--limit-train", type=int, default=0, help="train on the first N images (0: all 60000)")
    p.add_argument("--limit-test", type=int, default=0, help="test on the first N images (0: all 10000)")
    p.add_argument("--augment", action="store_true", help="random horizontal flip and 2-pixel crop while training")
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("results"), help="directory for the PNG")
    p.add_argument("--checkpoint", type=pathlib.Path, default=pathlib.Path("checkpoints/fashion_mnist_py.safetensors"),
                   help="where the trained state_dict is saved (ember.save_file)")
    args = p.parse_args()

    ember.manual_seed(0)
    train_set, test_set = load_split(True, args.limit_train), load_split(False, args.limit_test)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=512)
    augment = T.Compose([T.RandomHorizontalFlip(0.5), T.RandomCrop(28, padding=2)]) if args.augment else None
    model = make_model()
    opt = ember.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * len(train_loader),
                                                cycle_momentum=False)
    history = {"train": [], "test": []}
    for epoch in range(1, args.epochs + 1):
        history["train"].append(run_epoch(model, train_loader, f"epoch {epoch}/{args.epochs}", opt, sched, augment))
        history["test"].append(run_epoch(model, test_loader, "test"))
        (train_loss, train_acc, _), (test_loss, test_acc, _) = history["train"][-1], history["test"][-1]
        print(f"epoch {epoch}/{args.epochs}  train loss {train_loss:.4f} acc {train_acc:.2%}  "
              f"test loss {test_loss:.4f} acc {test_acc:.2%}")

    args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    ember.save_file(model.state_dict(), str(args.checkpoint))
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "train_fashion_mnist.png"
    plot(history, history["test"][-1][2], model[0].weight.detach().numpy(), png)
    print(f"test accuracy {history['test'][-1][1]:.2%}; saved {args.checkpoint} and {png}")


if __name__ == "__main__":
    main()
