#pragma once

// HeapSortBy: sorts an array in place by a key, with no recursion and no
// allocation (what the block cache and the journal sort with, where memory
// may be short).

#include <stddef.h>

namespace servers::fs::ext2 {

/// Sorts a[0..n) so that key(a[i]) is ascending. Not stable.
template <typename T, typename Key>
void HeapSortBy(T* a, size_t n, Key key) {
  auto sift = [a, &key](size_t root, size_t end) {
    while (2 * root + 1 < end) {
      size_t child = 2 * root + 1;
      if (child + 1 < end && key(a[child]) < key(a[child + 1])) ++child;
      if (!(key(a[root]) < key(a[child]))) return;
      T t = a[root];
      a[root] = a[child];
      a[child] = t;
      root = child;
    }
  };
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift(i, n);
  for (size_t end = n - 1; end > 0; --end) {
    T t = a[0];
    a[0] = a[end];
    a[end] = t;
    sift(0, end);
  }
}

}  // namespace servers::fs::ext2
