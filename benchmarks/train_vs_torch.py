"""Training the default Fashion-MNIST CNN in ember and in PyTorch, side by side.

Both get the same initial weights (PyTorch's, copied into ember), the same
batches in the same order, the same recipe (AdamW, one-cycle schedule) and the
same thread count. Prints the per-step time medians (interleaved steps),
images/s and their ratio; with --epochs it also trains each to the end and
reports the time each takes to reach --target test accuracy; each framework's
peak resident memory is measured in a separate process.

    python benchmarks/train_vs_torch.py                      # step times and memory
    python benchmarks/train_vs_torch.py --epochs 10          # plus time to 91% test accuracy
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

MEAN, STD = 0.2860, 0.3530


def make_model(nn):
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def load_data(root="/usr/share/datasets/fashion-mnist"):
    """Normalised images (N, 1, 28, 28) and labels, read with NumPy alone so that
    each memory-measuring process loads only the framework it measures."""
    def idx(name, offset):
        path = os.path.join(root, name)
        opener = gzip.open if os.path.exists(path + ".gz") else open
        with opener(path + ".gz" if opener is gzip.open else path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)

    def images(name):  # in float32 and in place: the data should not dominate the memory peak
        x = idx(name, 16).reshape(-1, 1, 28, 28).astype(np.float32)
        x /= 255.0
        x -= MEAN
        x /= STD
        return x

    labels = lambda name: idx(name, 8).astype(np.int64)  # noqa: E731
    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


class Trainer:
    """One framework's model, optimizer, schedule and step, on NumPy batches."""

    def __init__(self, lib, state, steps_total, lr):
        self.lib = lib
        self.model = make_model(lib.nn)
        self.model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        self.opt = lib.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=5e-4)
        self.sched = lib.optim.lr_scheduler.OneCycleLR(self.opt, max_lr=lr, total_steps=steps_total,
                                                       cycle_momentum=False)

    def step(self, x, y):
        lib = self.lib
        self.model.train()
        self.opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(self.model(lib.tensor(x)), lib.tensor(y))
        loss.backward()
        self.opt.step()
        self.sched.step()

    def accuracy(self, x, y, batch=1000):
        lib = self.lib
        self.model.eval()
        correct = 0
        with lib.no_grad():
            for i in range(0, len(x), batch):
                pred = self.model(lib.tensor(x[i:i + batch])).argmax(1).numpy()
                correct += int((pred == y[i:i + batch]).sum())
        return correct / len(x)


def initial_state(seed):
    import torch
    torch.manual_seed(seed)
    return {k: v.detach().numpy().copy() for k, v in make_model(torch.nn).state_dict().items()}


def batches(n, batch_size, epochs, seed):
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n - batch_size + 1, batch_size):
            yield order[i:i + batch_size]


def peak_rss_mb(framework, steps, threads, state_file):
    """Peak resident memory of a process that imports one framework and trains `steps` steps."""
    out = subprocess.run([sys.executable, __file__, "--child", framework, "--steps", str(steps),
                          "--threads", str(threads), "--state", state_file], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb"]


def child(framework, steps, threads, state_file):
    if framework == "ember":
        import ember as lib
    else:
        import torch as lib
    lib.set_num_threads(threads)
    xtr, ytr, _, _ = load_data()
    state = dict(np.load(state_file))
    trainer = Trainer(lib, state, steps, 3e-3)
    for i, idx in zip(range(steps), batches(len(xtr), 128, 10, 0)):
        trainer.step(xtr[idx], ytr[idx])
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    with open("/proc/self/status") as f:
        hwm_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    print(json.dumps({"peak_rss_mb": hwm_kb / 1024}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60, help="timed steps per framework")
    parser.add_argument("--epochs", type=int, default=0, help="also train this many epochs each, for time to --target")
    parser.add_argument("--target", type=float, default=0.91)
    parser.add_argument("--child", choices=["ember", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.steps, args.threads, args.state)

    import ember
    import torch
    ember.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    xtr, ytr, xte, yte = load_data()
    state = initial_state(0)
    print(f"threads: {args.threads}; OpenBLAS core: {ember.blas_core_name()}; PyTorch {torch.__version__}")

    steps_per_epoch = len(xtr) // 128
    trainers = {name: Trainer(lib, state, steps_per_epoch * max(args.epochs, 1), 3e-3)
                for name, lib in (("ember", ember), ("torch", torch))}
    times = {"ember": [], "torch": []}
    for i, idx in zip(range(args.steps + 3), batches(len(xtr), 128, 10, 0)):
        for name, trainer in trainers.items():
            start = time.perf_counter()
            trainer.step(xtr[idx], ytr[idx])
            if i >= 3:  # warm-up steps are not timed
                times[name].append(time.perf_counter() - start)
    e, t = statistics.median(times["ember"]), statistics.median(times["torch"])
    print(f"train step (batch 128), median of {args.steps}: ember {e * 1e3:.1f} ms ({128 / e:.0f} img/s), "
          f"PyTorch {t * 1e3:.1f} ms ({128 / t:.0f} img/s); PyTorch / ember {t / e:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        state_file = os.path.join(tmp, "state.npz")
        np.savez(state_file, **state)
        rss = {name: peak_rss_mb(name, args.steps, args.threads, state_file) for name in ("ember", "torch")}
    print(f"peak RSS over {args.steps} steps (separate processes, data included): ember {rss['ember']:.0f} MB, "
          f"PyTorch {rss['torch']:.0f} MB")

    if args.epochs:
        for name, lib in (("ember", ember), ("torch", torch)):
            trainer = Trainer(lib, state, steps_per_epoch * args.epochs, 3e-3)
            start, reached = time.perf_counter(), None
            for epoch in range(args.epochs):
                for idx in batches(len(xtr), 128, 1, epoch):
                    trainer.step(xtr[idx], ytr[idx])
                acc = trainer.accuracy(xte, yte)
                if reached is None and acc >= args.target:
                    reached = time.perf_counter() - start
                print(f"{name} epoch {epoch + 1}: test accuracy {acc:.4f}")
            print(f"{name}: {'%.0f s' % reached if reached else 'not reached'} to {args.target:.0%} test accuracy")


if __name__ == "__main__":
    main()
