// SPDX-License-Identifier: BSD-3-Clause
// Running independent model evaluations on all cores: parallel_for(n, fn) calls fn(i) for i in [0, n)
// on up to `workers` threads (default: the hardware's, or DERMASIM_WORKERS). Each worker runs its cases single-threaded
// (omp_set_num_threads(1)): small cases do not gain from OpenMP, and the cores are already busy with
// other cases. The first exception thrown by fn is rethrown after every worker has stopped.
// Self-contained on purpose, so other commands (fit, sweep) can share it.
#pragma once
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dermasim {

// The hardware's threads, or DERMASIM_WORKERS when set (e.g. 1 to time a serial run).
inline unsigned default_workers() {
  if (const char* e = std::getenv("DERMASIM_WORKERS")) {
    const long n = std::strtol(e, nullptr, 10);
    if (n >= 1 && n <= 1024) return static_cast<unsigned>(n);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

inline void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned workers = 0) {
  if (n == 0) return;
  if (workers == 0) workers = default_workers();
  workers = static_cast<unsigned>(std::min<size_t>(workers, n));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    omp_set_num_threads(1);
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= n) return;
      {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error) return;
      }
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  if (workers == 1) {
    const int before = omp_get_max_threads();
    work();
    omp_set_num_threads(before);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (unsigned w = 0; w < workers; ++w) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace dermasim
