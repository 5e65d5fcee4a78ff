"""ranks.py - the nearest-rank percentile the bench scripts print, in one
place so that their figures are read alike."""


def percentile(sorted_values, q):
    """The value at fraction q (0.99 for p99) of sorted_values: the one at
    index floor(q * n), the last one past the end."""
    return sorted_values[min(len(sorted_values) - 1,
                             int(q * len(sorted_values)))]
