"""What the tape costs per op: a chain of tiny ops (forward and backward of
each op) on a 1-element and a 16-element tensor, in ember and in PyTorch,
side by side, interleaved so both see the same machine state. The tensors are
too small for the arithmetic to matter: the time is recording a node,
running it in backward and freeing it. Prints the median microseconds per
op and the ratio PyTorch / ember (> 1: ember is faster).

    python benchmarks/tape_overhead.py [--ops 1000] [--repeats 21] [--threads 2]
"""
import argparse
import platform
import statistics
import time

import torch

import ember


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# Each step is one recorded op; the mix covers a binary op with a scalar,
# a unary op and a binary op between two tensors.
def chain(x, w, ops):
    y = x
    for i in range(ops // 3):
        y = y * 1.0001
        y = y.tanh()
        y = y + w
    return y.sum()


def per_op_us(lib, size, ops, repeats):
    x = lib.ones(size, requires_grad=True)
    w = lib.full((size,), 0.001)

    def run():
        x.grad = None
        chain(x, w, ops).backward()

    return run


def median_us(run, ops, repeats):
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) / (ops // 3 * 3 + 1) * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=999)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ember.set_num_threads(args.threads)
    print(f"{cpu_model()}, {args.threads} threads, torch {torch.__version__}, "
          f"chain of {args.ops} ops, median of {args.repeats}")
    print(f"{'case':<28}{'ember us/op':>12}{'torch us/op':>12}{'torch/ember':>12}")
    for size in (1, 16):
        runs = {name: per_op_us(lib, size, args.ops, args.repeats) for name, lib in (("ember", ember), ("torch", torch))}
        for run in runs.values():  # warm up
            run()
        te, tt = [], []
        for _ in range(3):  # interleave blocks of repeats
            te.append(median_us(runs["ember"], args.ops, args.repeats))
            tt.append(median_us(runs["torch"], args.ops, args.repeats))
        e, t = statistics.median(te), statistics.median(tt)
        print(f"{f'fwd+bwd, {size} element(s)':<28}{e:>12.2f}{t:>12.2f}{t / e:>12.2f}")


if __name__ == "__main__":
    main()
