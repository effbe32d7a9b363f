"""The Python examples, each run as a user would (a subprocess of this
interpreter) on tiny settings: they exit 0, write valid PNGs, the training
example's checkpoint loads into its model and feeds the saliency example, the
custom op passes its checks, and README's Python block prints what its comments say."""
import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

import ember

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(script, *args, cwd):
    result = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], capture_output=True, text=True,
                            cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def assert_png(path):
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert len(data) > len(PNG_MAGIC) and data.startswith(PNG_MAGIC), f"{path} is not a PNG"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    checkpoint = out / "model.safetensors"
    stdout = run("train_fashion_mnist.py", "--epochs", 1, "--batch-size", 64, "--limit-train", 512, "--limit-test", 256,
                 "--out", out, "--checkpoint", checkpoint, cwd=out)
    return out, checkpoint, stdout


def test_training_example_reports_and_writes_its_plot_and_checkpoint(trained):
    out, checkpoint, stdout = trained
    assert re.search(r"epoch 1/1  train loss [0-9.]+ acc [0-9.]+%  test loss [0-9.]+ acc [0-9.]+%", stdout), stdout
    assert_png(out / "train_fashion_mnist.png")
    # The checkpoint is exactly the model's state_dict: it loads with every key matched.
    spec = importlib.util.spec_from_file_location("train_fashion_mnist", EXAMPLES / "train_fashion_mnist.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    model = example.make_model()
    result = model.load_state_dict(ember.load_file(str(checkpoint)))
    assert not result.missing_keys and not result.unexpected_keys
    assert model[0].weight.shape == (32, 1, 3, 3)


def test_saliency_and_adversarial_example_runs_on_the_trained_checkpoint(trained, tmp_path):
    _, checkpoint, _ = trained
    stdout = run("saliency_and_adversarial.py", "--checkpoint", checkpoint, "--out", tmp_path, "--count", 4,
                 cwd=tmp_path)
    assert re.search(r"FGSM eps [0-9.]+: \d of 4 predictions changed", stdout), stdout
    assert_png(tmp_path / "saliency_and_adversarial.png")


def test_custom_op_example_passes_its_checks_and_trains(tmp_path):
    stdout = run("custom_op.py", cwd=tmp_path)
    assert "SquarePlus gradcheck: passed, gradgradcheck: passed" in stdout
    assert "accuracy" in stdout


def test_readme_python_block_is_the_example_and_prints_its_comments(tmp_path):
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    script = (EXAMPLES / "readme_example.py").read_text()
    code = script.split('"""', 2)[2].strip()  # the file, without its docstring
    assert block.strip() == code
    expected = [line.split("#", 1)[1] for line in block.splitlines() if line.startswith("print(") and "#" in line]
    printed = run("readme_example.py", cwd=tmp_path)
    # NumPy prints a matrix over several lines; the comments put it on one.
    assert " ".join(printed.split()) == " ".join(" ".join(expected).split())


def test_model_example_prints_a_summary_and_torch_loads_its_weights(tmp_path):
    out = run("model_example.py", cwd=tmp_path)
    assert "Total params: 63,114" in out
    assert "ember.Size([8, 10])" in out
    assert "<All keys matched successfully>" in out
