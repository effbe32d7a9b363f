"""ember.accelerator: torch.accelerator on a machine without one. ember runs
on the CPU only: no accelerator is available and the current one is None."""


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0
