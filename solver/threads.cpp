// SPDX-License-Identifier: BSD-3-Clause
#include "threads.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace dermasim {

std::string tunables_with_huge_pages(const char* tunables) {
  const std::string t = tunables ? tunables : "";
  if (t.find("glibc.malloc.hugetlb") != std::string::npos) return "";  // the user's choice stands
  return (t.empty() ? std::string() : t + ":") + "glibc.malloc.hugetlb=1";
}

void set_thread_environment(char** argv) {
  const char* off = std::getenv("DERMASIM_THREAD_ENV");
  if (off && std::string(off) == "0") return;
  if (std::getenv("DERMASIM_THREAD_ENV_SET")) return;  // already re-executed once
  bool change = false;
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    change = true;
  }
  const char* huge = std::getenv("DERMASIM_HUGE_PAGES");
  if (!huge || std::string(huge) != "0") {
    const std::string t = tunables_with_huge_pages(std::getenv("GLIBC_TUNABLES"));
    if (!t.empty()) {
      setenv("GLIBC_TUNABLES", t.c_str(), 1);
      change = true;
    }
  }
  if (!std::getenv("OMP_NUM_THREADS")) {
    int ranks = 0;
    for (const char* key : {"OMPI_COMM_WORLD_LOCAL_SIZE", "PMI_LOCAL_SIZE", "MPI_LOCALNRANKS"})
      if (const char* v = std::getenv(key)) {
        ranks = std::atoi(v);
        break;
      }
    if (ranks > 1) {
      const int node = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
      int mine = node;
      cpu_set_t set;
      if (sched_getaffinity(0, sizeof set, &set) == 0) mine = CPU_COUNT(&set);
      // a launcher that binds each rank (mpirun --bind-to ...) already gave it its share
      const int share = mine < node ? mine : node / ranks;
      setenv("OMP_NUM_THREADS", std::to_string(std::max(1, share)).c_str(), 1);
      change = true;
    }
  }
  if (!change) return;
  setenv("DERMASIM_THREAD_ENV_SET", "1", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): carry on with the runtime's defaults
}

}  // namespace dermasim
