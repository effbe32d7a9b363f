"""A CNN classifier in the shape of pytorch/examples mnist/main.py (two
convolutions, max pooling, dropout, Adadelta and StepLR), trained on
Fashion-MNIST. Written in PyTorch's idiom: it runs under PyTorch when its
import line is switched to `import torch`.

    python examples/pytorch_style/mnist_cnn.py [--epochs 2] [--limit 2000]

The images come from the IDX files Debian's dataset-fashion-mnist installs
(read with NumPy, so PyTorch needs no torchvision here).
"""
import argparse
import gzip
import pathlib

import numpy as np

import ember as torch  # the one line to switch: `import torch`

nn, F = torch.nn, torch.nn.functional
DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset

DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")


class Net(nn.Module):
    def __init__(self, dropout=(0.25, 0.5)):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(dropout[0])
        self.dropout2 = nn.Dropout(dropout[1])
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def read_idx(path, limit):
    """An IDX file's first `limit` items as a uint8 array (images (N, 28, 28), labels (N,))."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    items = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)
    return items[:limit]


def dataset(train, limit):
    prefix = "train" if train else "t10k"
    images = read_idx(DATA / f"{prefix}-images-idx3-ubyte.gz", limit)
    labels = read_idx(DATA / f"{prefix}-labels-idx1-ubyte.gz", limit)
    x = (torch.tensor(images, dtype=torch.float32).unsqueeze(1) / 255.0 - 0.2860) / 0.3530
    return TensorDataset(x, torch.tensor(labels.astype(np.int64)))


def train(model, loader, optimizer, epoch, log):
    model.train()
    for batch, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
        if batch % 10 == 0:
            print(f"epoch {epoch} batch {batch} loss {loss.item():.6f}")


def test(model, loader):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            loss += F.nll_loss(output, target, reduction="sum").item()
            correct += (output.argmax(dim=1) == target).sum().item()
    n = len(loader.dataset)
    print(f"test loss {loss / n:.6f} accuracy {correct}/{n}")
    return loss / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--limit", type=int, default=2000, help="training samples (a quarter as many test samples)")
    parser.add_argument("--dropout", type=float, nargs=2, default=(0.25, 0.5))
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--init", help="an .npz of the initial state dict (to compare libraries from the same start)")
    parser.add_argument("--losses", help="write the training losses here, one per line")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_loader = DataLoader(dataset(True, args.limit), batch_size=args.batch_size, shuffle=not args.no_shuffle)
    test_loader = DataLoader(dataset(False, max(args.limit // 4, 1)), batch_size=1000)
    model = Net(tuple(args.dropout))
    if args.init:
        model.load_state_dict({k: torch.tensor(v) for k, v in np.load(args.init).items()})
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    log = []
    test(model, test_loader)
    for epoch in range(1, args.epochs + 1):
        train(model, train_loader, optimizer, epoch, log)
        test(model, test_loader)
        scheduler.step()
    if args.losses:
        pathlib.Path(args.losses).write_text("".join(f"{v!r}\n" for v in log))


if __name__ == "__main__":
    main()
