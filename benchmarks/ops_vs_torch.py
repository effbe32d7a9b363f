"""Forward + backward of the CNN operators in ember and in PyTorch, side by side.

Each case runs ember and PyTorch alternately (interleaved repeats, so both see
the same machine state) with the same thread count, and prints the median
times, the ratio PyTorch / ember (> 1: ember is faster) and, for convolutions,
GFLOP/s as a fraction of the sgemm rate measured in the same run. The FLOPs
are a direct convolution's; Winograd kernels do fewer multiplications, so
their effective rate can pass sgemm's.

    python benchmarks/ops_vs_torch.py                 # OpenBLAS as the environment sets it
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/ops_vs_torch.py
    python benchmarks/ops_vs_torch.py --markdown      # the README table
"""
import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_medians(run_ember, run_torch, repeats, warmup=3):
    for _ in range(warmup):
        run_ember()
        run_torch()
    te, tt = [], []
    for _ in range(repeats):
        te.append(timed(run_ember))
        tt.append(timed(run_torch))
    return statistics.median(te), statistics.median(tt)


def fwd_bwd_all(F, op, inputs, grad_out):
    grads = [t for t in inputs if t.requires_grad]

    def run():
        for t in grads:
            t.grad = None
        y = op(F, *inputs)
        y.backward() if grad_out is None else y.backward(grad_out)
    return run


def make_case(name, shapes, op, out_shape, flops=None, extra=None, repeats=20):
    """shapes: input shapes that take gradients; extra(lib) adds constant inputs."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    g = None if out_shape is None else rng.standard_normal(out_shape).astype(np.float32)

    def build(lib):
        ins = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        if extra is not None:
            ins += extra(lib)
        go = None if g is None else lib.tensor(g.copy())
        return ins, go

    return dict(name=name, build=build, op=op, flops=flops, repeats=repeats)


def conv_case(name, n, c, h, o, k, pad):
    oh = h + 2 * pad - k + 1
    flops = 3 * 2.0 * n * o * oh * oh * c * k * k  # forward, grad input, grad weight
    return make_case(f"conv2d {name}", [(n, c, h, h), (o, c, k, k), (o,)],
                     lambda F, x, w, b: F.conv2d(x, w, b, padding=pad), (n, o, oh, oh), flops=flops)


def cases():
    bn_stats = lambda lib: [lib.zeros(32), lib.ones(32)]
    targets = np.random.default_rng(1).integers(0, 10, 128)
    return [
        conv_case("FMNIST 1->32 28x28", 128, 1, 28, 32, 3, 1),
        conv_case("FMNIST 32->64 14x14", 128, 32, 14, 64, 3, 1),
        conv_case("ResNet-20 16->16 32x32", 128, 16, 32, 16, 3, 1),
        conv_case("ResNet-20 32->32 16x16", 128, 32, 16, 32, 3, 1),
        conv_case("ResNet-20 64->64 8x8", 128, 64, 8, 64, 3, 1),
        make_case("max_pool2d 2x2 (128,32,28,28)", [(128, 32, 28, 28)], lambda F, x: F.max_pool2d(x, 2),
                  (128, 32, 14, 14)),
        make_case("batch_norm train (128,32,28,28)", [(128, 32, 28, 28), (32,), (32,)],
                  lambda F, x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=True), (128, 32, 28, 28),
                  extra=bn_stats),
        make_case("gelu (128,32,28,28)", [(128, 32, 28, 28)], lambda F, x: F.gelu(x), (128, 32, 28, 28)),
        make_case("relu (128,32,28,28)", [(128, 32, 28, 28)], lambda F, x: F.relu(x), (128, 32, 28, 28)),
        make_case("cross_entropy (128,10)", [(128, 10)], lambda F, x, t: F.cross_entropy(x, t), None,
                  extra=lambda lib: [lib.tensor(targets.copy())], repeats=200),
    ]


def sgemm_gflops(n=2048, repeats=5):
    a = ember.randn(n, n)
    b = ember.randn(n, n)
    ember.mm(a, b)
    best = min(timed(lambda: ember.mm(a, b)) for _ in range(repeats))
    return 2.0 * n ** 3 / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()

    ember.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    sgemm = sgemm_gflops()
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; threads: {args.threads} (ember and PyTorch)")
    print(f"OpenBLAS core: {ember.blas_core_name()} (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}); "
          f"PyTorch {torch.__version__}; sgemm 2048^3 in ember: {sgemm:.0f} GFLOP/s")

    rows = []
    for case in cases():
        e_in, e_g = case["build"](ember)
        t_in, t_g = case["build"](torch)
        run_e = fwd_bwd_all(EF, case["op"], e_in, e_g)
        run_t = fwd_bwd_all(TF, case["op"], t_in, t_g)
        te, tt = interleaved_medians(run_e, run_t, case["repeats"])
        gf = "" if case["flops"] is None else f"{case['flops'] / te / 1e9:.0f} ({case['flops'] / te / 1e9 / sgemm:.0%})"
        rows.append((case["name"], te * 1e3, tt * 1e3, tt / te, gf))

    if args.markdown:
        print("\n| forward + backward | ember ms | PyTorch ms | PyTorch / ember | ember GFLOP/s (of sgemm) |")
        print("|---|---:|---:|---:|---:|")
        for name, te, tt, r, gf in rows:
            print(f"| {name} | {te:.2f} | {tt:.2f} | {r:.2f} | {gf} |")
    else:
        print(f"\n{'forward + backward':34s} {'ember ms':>9s} {'torch ms':>9s} {'torch/ember':>11s}  ember GFLOP/s (of sgemm)")
        for name, te, tt, r, gf in rows:
            print(f"{name:34s} {te:9.2f} {tt:9.2f} {r:11.2f}  {gf}")


if __name__ == "__main__":
    main()
