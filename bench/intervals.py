"""intervals.py - whether stalls and gaps timed by different processes
(on one CLOCK_MONOTONIC) fell together, and how often they would by
chance; used by sync-tail.py and pauses.py.

Two counts by chance for the intervals in mine against those in theirs,
within one window: "uniform", each of mine placed anywhere in the window
at random (one of length d meets theirs with probability |their union,
each widened by d| / the window); "shifted", mine as they came but moved
along the window by each of 100 offsets spread by the golden ratio
(wrapping around), which keeps how they bunch and breaks only their
alignment with theirs."""
import bisect


def union(intervals):
    """The disjoint, sorted union of (begin, end) intervals."""
    merged = []
    for b, e in sorted(intervals):
        if merged and b <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([b, e])
    return merged


def overlaps(t, d, merged):
    """Whether [t, t + d) meets an interval of merged."""
    i = bisect.bisect_left(merged, [t + d])
    return i > 0 and merged[i - 1][1] > t


def coincide(mine, theirs, begin, window):
    """Of the intervals (start, length) in mine, how many overlap one in
    theirs, and how many would by chance within the window [begin, begin
    + window): (seen, uniform, shifted), as the docstring at the top
    says."""
    others = union((t, t + d) for t, d in theirs)
    seen = sum(1 for t, d in mine if overlaps(t, d, others))
    uniform = 0.0
    for _, d in mine:
        widened = union((max(begin, b - d), min(begin + window, e))
                        for b, e in others)
        uniform += sum(e - b for b, e in widened) / window
    # offsets spread by the golden ratio, not k / 100 of the window: a
    # stall pattern with a period dividing the window would line up
    # again at every even offset
    shifts = [window * ((k * 0.6180339887) % 1) for k in range(1, 101)]
    shifted = sum(sum(1 for t, d in mine
                      if overlaps(begin + (t - begin + s) % window, d,
                                  others))
                  for s in shifts) / len(shifts)
    return seen, uniform, shifted
