"""ember.cuda: what torch.cuda answers on a machine without a GPU. ember runs
on the CPU only, so scripts that ask `ember.cuda.is_available()` take their
CPU path; seeding calls are accepted and do nothing, as torch's do when CUDA
is unavailable."""


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted for torch's scripts; there is no CUDA generator to seed."""


def manual_seed_all(seed):
    """Accepted for torch's scripts; there is no CUDA generator to seed."""
