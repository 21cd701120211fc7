// The threads that compile a module's functions in parallel
// (Config::parallel_compilation; runtime/tiering.cc gives them the bodies).
//
// A pool starts no thread until it has work worth one: a thread costs tens
// of microseconds to start, so one more starts only once kWorkPerThread
// bytes of Wasm have been submitted since the last, with no idle thread to
// take them, up to `threads` - 1. The thread that waits for the work
// (wait()) runs tasks too, so that a small module never starts a thread. Tasks are taken in the order they were
// submitted. The pool's threads end with it; a pool is one module's compilation, not an engine-wide service, so nothing
// outlives the compile that needed it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tern {

class CompilePool {
 public:
  // Up to `threads` tasks run at once, the waiting thread's included.
  explicit CompilePool(unsigned threads);
  // cancel(), then the threads end.
  ~CompilePool();
  CompilePool(const CompilePool&) = delete;
  CompilePool& operator=(const CompilePool&) = delete;

  // `cost`: about how much the task has to do (bytes of Wasm).
  void submit(std::function<void()> task, size_t cost);
  // Runs queued tasks on the calling thread too; returns once every
  // submitted task has run.
  void wait();
  // Drops the tasks not started yet and waits for the running ones.
  void cancel();

  // The thread count `requested` stands for: 0 is one per core.
  static unsigned threadsFor(uint32_t requested);

  // About 300 microseconds of compiling on one thread.
  static constexpr size_t kWorkPerThread = 8 << 10;

 private:
  void work();
  // Runs the next task with `lock` held on entry and exit; false when none
  // is queued.
  bool runOne(std::unique_lock<std::mutex>& lock);

  std::mutex mu_;
  std::condition_variable queued_;  // a task was queued, or the pool ends
  std::condition_variable done_;    // a task ended
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  unsigned max_threads_;  // of its own: the waiting thread is one more
  unsigned idle_ = 0;     // of its threads, waiting for a task
  unsigned running_ = 0;  // tasks started and not ended, on any thread
  size_t work_ = 0;       // submitted since a thread last started
  bool ending_ = false;
};

}  // namespace tern
