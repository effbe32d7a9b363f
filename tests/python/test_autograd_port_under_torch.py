"""The ported PyTorch autograd tests (tests/python/torch_autograd) must be a
faithful port: they run here once more with PyTorch itself in place of ember,
and every one of them must pass (ember's strict xfails do not apply there)."""

import os
import subprocess
import sys
from pathlib import Path

PORT_DIR = Path(__file__).parent / "torch_autograd"


def test_the_ported_autograd_tests_pass_under_pytorch():
    env = dict(os.environ, AUTOGRAD_PORT_BACKEND="torch")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(PORT_DIR), "-q", "-p", "no:cacheprovider"],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "xfail" not in result.stdout and "skipped" not in result.stdout, result.stdout[-3000:]
