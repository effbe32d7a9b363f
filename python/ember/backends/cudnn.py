"""ember.backends.cudnn: unavailable (ember runs on the CPU only). Scripts set
`deterministic` and `benchmark` for reproducibility; the flags are kept and
change nothing, ember's CPU kernels being deterministic already."""

deterministic = False
benchmark = False
enabled = True


def is_available():
    return False
