// The threads that compile a module's functions in parallel (see
// compile_pool.h).
#include "runtime/compile_pool.h"

#include <system_error>
#include <utility>

namespace tern {

CompilePool::CompilePool(unsigned threads) : max_threads_(threads > 1 ? threads - 1 : 0) {}

CompilePool::~CompilePool() {
  cancel();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ending_ = true;
  }
  queued_.notify_all();
  for (std::thread& t : threads_) t.join();
}

unsigned CompilePool::threadsFor(uint32_t requested) {
  if (requested) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores ? cores : 1;
}

void CompilePool::submit(std::function<void()> task, size_t cost) {
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(std::move(task));
  work_ += cost;
  if (queue_.size() > idle_ && work_ >= kWorkPerThread && threads_.size() < max_threads_) {
    work_ = 0;
    // A thread that cannot be started leaves its tasks to wait().
    try {
      threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      max_threads_ = unsigned(threads_.size());
    }
  }
  lock.unlock();
  queued_.notify_one();
}

bool CompilePool::runOne(std::unique_lock<std::mutex>& lock) {
  if (queue_.empty()) return false;
  std::function<void()> task = std::move(queue_.front());
  queue_.pop_front();
  ++running_;
  lock.unlock();
  task();
  lock.lock();
  --running_;
  if (queue_.empty() && running_ == 0) done_.notify_all();
  return true;
}

void CompilePool::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (runOne(lock)) continue;
    if (ending_) return;
    ++idle_;
    queued_.wait(lock, [this] { return ending_ || !queue_.empty(); });
    --idle_;
  }
}

void CompilePool::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  while (runOne(lock)) {
  }
  done_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void CompilePool::cancel() {
  std::unique_lock<std::mutex> lock(mu_);
  queue_.clear();
  done_.wait(lock, [this] { return running_ == 0; });
}

}  // namespace tern
