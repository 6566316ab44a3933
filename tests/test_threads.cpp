// SPDX-License-Identifier: BSD-3-Clause
// The thread and memory environment the program gives itself (solver/threads.hpp).
#include <catch2/catch.hpp>

#include "solver/threads.hpp"

using dermasim::tunables_with_huge_pages;

TEST_CASE("huge pages are asked of glibc unless the user's tunables decide it", "[threads]") {
  CHECK(tunables_with_huge_pages(nullptr) == "glibc.malloc.hugetlb=1");
  CHECK(tunables_with_huge_pages("") == "glibc.malloc.hugetlb=1");
  // the user's other tunables are kept, ours appended with glibc's separator
  CHECK(tunables_with_huge_pages("glibc.malloc.arena_max=2") == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
  // a hugetlb setting of the user's (off, or explicit huge pages) is left alone: nothing to change
  CHECK(tunables_with_huge_pages("glibc.malloc.hugetlb=0").empty());
  CHECK(tunables_with_huge_pages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2").empty());
}
