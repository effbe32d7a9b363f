"""ember lets go of the GIL while its long kernels run, as PyTorch does around
every op: a second Python thread keeps running during one large conv2d, one
large matmul and one backward pass, instead of stalling for the whole call."""

import threading
import time

import pytest

import ember
import ember.nn.functional as F


def longest_stall(work):
    """Runs work() while another thread ticks in pure Python; returns (the longest
    gap between two ticks while work ran, how long work ran), in seconds."""
    ticks, stop = [], threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    spinner = threading.Thread(target=spin)
    spinner.start()
    time.sleep(0.02)  # the spinner is running
    start = time.perf_counter()
    work()
    end = time.perf_counter()
    stop.set()
    spinner.join()
    during = [start] + [t for t in ticks if start <= t <= end] + [end]
    return max(b - a for a, b in zip(during, during[1:])), end - start


@pytest.fixture
def one_thread():
    # ember's kernel on one core, the spinner on the other.
    threads = ember.get_num_threads()
    ember.set_num_threads(1)
    yield
    ember.set_num_threads(threads)


def large_conv_inputs():
    ember.manual_seed(0)
    return ember.randn(32, 32, 64, 64), ember.randn(32, 32, 3, 3)


def conv2d_work():
    x, w = large_conv_inputs()
    return lambda: F.conv2d(x, w, padding=1)


def matmul_work():
    a, b = ember.randn(1536, 1536), ember.randn(1536, 1536)
    return lambda: a @ b


# Each makes its inputs, then returns the one call to time.
WORKS = {"conv2d": conv2d_work, "matmul": matmul_work}


@pytest.mark.parametrize("name", list(WORKS))
def test_another_thread_runs_during_a_long_op(name, one_thread):
    stall, elapsed = longest_stall(WORKS[name]())
    assert elapsed > 0.02, f"{name} took {elapsed:.3f} s: too short to show a stall"
    assert stall < elapsed / 2, f"the other thread stalled {stall:.3f} s of {elapsed:.3f} s"


def test_another_thread_runs_during_backward(one_thread):
    x, w = large_conv_inputs()
    w.requires_grad_(True)
    loss = F.conv2d(x, w, padding=1).sum()
    stall, elapsed = longest_stall(loss.backward)
    assert elapsed > 0.02, f"backward took {elapsed:.3f} s: too short to show a stall"
    assert stall < elapsed / 2, f"the other thread stalled {stall:.3f} s of {elapsed:.3f} s"
