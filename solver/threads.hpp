// SPDX-License-Identifier: BSD-3-Clause
// How the program's OpenMP threads wait and how many there are, set by the program itself.
#pragma once

#include <string>

namespace dermasim {

// Call first thing in main(). OpenMP reads its environment when the runtime loads, before main(),
// so when a setting has to change the process re-executes itself once with it (same pid, same
// arguments; nothing has run yet). Settings the user gave are kept. What it sets:
//  - OMP_WAIT_POLICY=passive: a thread that waits at a barrier sleeps at once instead of spinning.
//    The solvers meet at a few barriers per iteration; on a machine shared with other processes a
//    spinning thread takes the core its partner needs (measured: a 32^3 step 30 times slower).
//  - under an MPI launcher (OMPI_COMM_WORLD_LOCAL_SIZE, PMI_LOCAL_SIZE or MPI_LOCALNRANKS) and
//    without OMP_NUM_THREADS: the cores this process may use divided among the ranks on the node,
//    so that N ranks never run N x cores threads.
//  - GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (added to the user's tunables unless they set it;
//    DERMASIM_HUGE_PAGES=0: not): malloc asks for transparent huge pages (madvise) for its large
//    blocks, so the solvers' sweeps over arrays of many MB do not miss the TLB at every 4 KiB page
//    (measured at 128^3 on 1 thread: about 12 % less CPU time per step). Where the kernel's
//    huge pages are off ("never"), nothing changes.
// DERMASIM_THREAD_ENV=0 turns all of this off.
void set_thread_environment(char** argv);

// GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added to `tunables` (may be null); empty when the
// tunables already set glibc.malloc.hugetlb (to any value: the user's choice is kept).
std::string tunables_with_huge_pages(const char* tunables);

}  // namespace dermasim
