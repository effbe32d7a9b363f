"""ember.backends.mps: Apple's Metal backend is neither built nor available (ember runs on the CPU only)."""


def is_available():
    return False


def is_built():
    return False
