/*
 * arr.h - the one rule for growing an array: start at a first capacity,
 * then double, refuse what would overflow, and leave the array as it was
 * when the memory cannot be had. The callers keep their own count; this
 * only sees to the room.
 */
#ifndef PACED_ARR_H
#define PACED_ARR_H

#include <stddef.h>

/*
 * Makes room for at least `need` items of `size` bytes in the array whose
 * pointer is at arrp (a T **, passed as void * so any T will do; the
 * pointer may be NULL while *cap is 0) and whose room is *cap items. When
 * need > *cap the room becomes `first` (if *cap is 0) or *cap, doubled
 * until it covers need, and the array is realloc()ed to it; otherwise
 * nothing changes.
 * 0; PACED_ENOMEM when the new room in bytes would not fit in a size_t or
 * realloc() fails; PACED_EINVAL when size or first is 0 and room is
 * needed. *arrp and *cap are unchanged on failure.
 */
int arr_grow(void *arrp, size_t *cap, size_t need, size_t size, size_t first);

#endif
