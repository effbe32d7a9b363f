"""examples/pytorch_style/ runs under ember and, with only its import line
switched, under PyTorch: from the same initial weights, on a few hundred
Fashion-MNIST samples in a fixed order without dropout, both libraries print
the same initial test loss and the same training losses."""
import pathlib
import re
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "pytorch_style"
IMPORT_LINE = "import ember as torch  # the one line to switch: `import torch`"


def torch_version(script, out_dir):
    """The script with its import line switched to PyTorch, and nothing else changed."""
    text = (EXAMPLES / script).read_text()
    assert text.count(IMPORT_LINE) == 1
    switched = text.replace(IMPORT_LINE, "import torch")
    assert [a for a, b in zip(text.splitlines(), switched.splitlines()) if a != b] == [IMPORT_LINE]
    path = out_dir / ("torch_" + script)
    path.write_text(switched)
    return path


def run(path, *args):
    result = subprocess.run([sys.executable, str(path), *map(str, args)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def mnist_cnn_init(path):
    """Initial weights for examples/pytorch_style/mnist_cnn.py's Net, uniform in +-1/sqrt(fan_in) as PyTorch's."""
    rng = np.random.default_rng(0)
    shapes = {"conv1": ((32, 1, 3, 3), 9), "conv2": ((64, 32, 3, 3), 288), "fc1": ((128, 9216), 9216),
              "fc2": ((10, 128), 128)}
    state = {}
    for name, (shape, fan_in) in shapes.items():
        bound = 1 / np.sqrt(fan_in)
        state[f"{name}.weight"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        state[f"{name}.bias"] = rng.uniform(-bound, bound, shape[:1]).astype(np.float32)
    np.savez(path, **state)


def test_mnist_cnn_gives_pytorchs_losses_from_the_same_weights(tmp_path):
    init = tmp_path / "init.npz"
    mnist_cnn_init(init)
    common = ["--epochs", 1, "--limit", 320, "--batch-size", 32, "--no-shuffle", "--dropout", 0, 0, "--init", init]
    outs, losses = {}, {}
    for lib, script in (("ember", EXAMPLES / "mnist_cnn.py"), ("torch", torch_version("mnist_cnn.py", tmp_path))):
        outs[lib] = run(script, *common, "--losses", tmp_path / f"{lib}.txt")
        losses[lib] = np.array([float(v) for v in (tmp_path / f"{lib}.txt").read_text().split()])
    first_test_loss = {lib: float(re.search(r"test loss ([0-9.]+)", out).group(1)) for lib, out in outs.items()}
    np.testing.assert_allclose(first_test_loss["ember"], first_test_loss["torch"], rtol=1e-5)
    assert len(losses["ember"]) == len(losses["torch"]) == 10
    # float32 kernels round differently: measured 1e-7 relative over all ten steps.
    np.testing.assert_allclose(losses["ember"], losses["torch"], rtol=1e-5)
    assert losses["ember"][-1] < losses["ember"][0] and losses["torch"][-1] < losses["torch"][0]
