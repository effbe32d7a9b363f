"""The C++ training program (examples/train_fashion_mnist) on a few hundred
Fashion-MNIST images: the loss falls, a run killed or interrupted anywhere
(even while writing a checkpoint) resumes to exactly the weights of an
uninterrupted run, and a killed run always leaves a loadable checkpoint.

The binary comes from scripts/test's CMake build (build/examples), or from
$EMBER_TRAIN_BINARY."""
import importlib.util
import os
import pathlib
import re
import signal
import subprocess
import time

import numpy as np
import pytest

import ember
import ember.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("EMBER_TRAIN_BINARY", ROOT / "build" / "examples" / "train_fashion_mnist"))
SMALL = ["--limit-train", "512", "--limit-test", "256", "--batch-size", "64", "--epochs", "2", "--threads", "2"]


@pytest.fixture(scope="module")
def binary():
    assert BINARY.exists(), f"{BINARY} is missing: build the examples (scripts/test does) or set EMBER_TRAIN_BINARY"
    return str(BINARY)


def train(binary, checkpoint, *extra, check=True):
    result = subprocess.run([binary, *SMALL, "--checkpoint", str(checkpoint), *extra], capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def uninterrupted(binary, tmp_path_factory):
    path = tmp_path_factory.mktemp("uninterrupted") / "ck.safetensors"
    out = train(binary, path).stdout
    return path, out


def test_training_lowers_the_loss_and_reports(uninterrupted):
    _, out = uninterrupted
    losses = [float(x) for x in re.findall(r"epoch \d/2  train loss ([0-9.]+)", out)]
    assert len(losses) == 2 and losses[1] < losses[0], out
    assert "test accuracy" in out and "confusion matrix" in out and "Ankle boot" in out


def test_help_lists_every_flag(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in ["--model", "--epochs", "--batch-size", "--optimizer", "--lr", "--weight-decay", "--schedule",
                 "--label-smoothing", "--augment", "--tta", "--threads", "--seed", "--checkpoint", "--resume", "--recipe"]:
        assert flag in out


def test_tta_report_averages_ten_views_of_each_image(binary, tmp_path):
    """The accuracies --tta prints, recomputed in Python from the checkpoint:
    probabilities averaged over each image and its mirror image, as is and
    shifted by one pixel in each direction."""
    path = tmp_path / "ck.safetensors"
    out = train(binary, path, "--tta").stdout
    single = float(re.search(r"test accuracy ([0-9.]+)% on single images", out).group(1))
    averaged = float(re.search(r"\ntest accuracy ([0-9.]+)%  \(loss", out).group(1))
    spec = importlib.util.spec_from_file_location("train_example", ROOT / "examples" / "train_fashion_mnist.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    model = example.make_model()  # the C++ default model, layer for layer
    state = ember.load_file(str(path))
    model.load_state_dict({k[len("model/"):]: v for k, v in state.items() if k.startswith("model/")})
    model.eval()
    x, y = example.load_split(False, 256).tensors
    padded = np.pad(x.numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
    with ember.no_grad():
        logits = model(x)
        probabilities = 0
        for mirror in (False, True):
            for dy, dx in [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]:
                view = padded[:, :, 1 + dy:29 + dy, 1 + dx:29 + dx]
                view = np.ascontiguousarray(view[..., ::-1] if mirror else view)
                probabilities = probabilities + F.softmax(model(ember.from_numpy(view)), 1).numpy()
    labels = y.numpy()
    assert 100 * np.mean(logits.numpy().argmax(1) == labels) == pytest.approx(single, abs=0.006)
    assert 100 * np.mean(probabilities.argmax(1) == labels) == pytest.approx(averaged, abs=0.006)


def test_sigint_writes_a_checkpoint_and_resume_is_exact(binary, uninterrupted, tmp_path):
    reference, _ = uninterrupted
    path = tmp_path / "ck.safetensors"
    proc = subprocess.Popen([binary, *SMALL, "--checkpoint", str(path)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:  # interrupt once training is under way
        if "epoch 1/2 3/8" in line:
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stdout.read()
    assert proc.wait(timeout=120) == 130, rest
    assert "interrupted: checkpoint written" in rest
    train(binary, path, "--resume")
    assert path.read_bytes() == reference.read_bytes()


def test_resume_from_the_checkpoint_of_an_epochs_end_is_exact(binary, uninterrupted, tmp_path):
    """The checkpoint written after epoch 1 holds epoch 2's shuffling state:
    a resumed run must draw epoch 2's order from it, not from a fresh generator."""
    reference, _ = uninterrupted
    path = tmp_path / "ck.safetensors"
    proc = subprocess.Popen([binary, *SMALL, "--checkpoint", str(path)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:  # the summary line comes after the epoch's checkpoint
        if line.startswith("epoch 1/2  train loss"):
            proc.kill()
            break
    proc.wait(timeout=120)
    proc.stdout.close()
    out = train(binary, path, "--resume").stdout
    assert "resumed from" in out and "at epoch 1, batch 0" in out, out
    assert path.read_bytes() == reference.read_bytes()


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.4, 1.9])
def test_sigkill_leaves_a_loadable_checkpoint_and_resume_is_exact(binary, uninterrupted, tmp_path, delay):
    reference, _ = uninterrupted
    path = tmp_path / "ck.safetensors"
    # A checkpoint every batch, so the kill often lands during a write.
    proc = subprocess.Popen([binary, *SMALL, "--checkpoint", str(path), "--checkpoint-every", "1"],
                            stdout=subprocess.DEVNULL)
    time.sleep(delay)
    proc.kill()
    proc.wait()
    if path.exists():
        assert "model/0.weight" in ember.load_file(str(path))
    assert not any(p.name != path.name for p in tmp_path.iterdir() if p.name.startswith("ck.")), \
        "a temporary file of the killed write is fine, but must not replace the checkpoint"
    train(binary, path, "--resume")
    assert path.read_bytes() == reference.read_bytes()
