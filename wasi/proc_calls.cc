// WASI preview1: args and environ, clocks, randomness, sched_yield and
// proc_raise, plus the Context's clock and random sources (the options' own,
// else the host's).
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#if defined(__linux__)
#include <sys/random.h>
#endif

#include "wasi/calls.h"

namespace tern::wasi {
namespace {

uint64_t toNanos(const struct timespec& ts) { return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec); }

bool hostClock(uint32_t id, clockid_t& out) {
  switch (id) {
    case 0: out = CLOCK_REALTIME; return true;
    case 1: out = CLOCK_MONOTONIC; return true;
    case 2: out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

}  // namespace

uint64_t monotonicNow() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return toNanos(ts);
}

// ---------------------------------------------------------------------------
// Clocks and randomness of the Context

Errno Context::State::clockNow(uint32_t id, uint64_t& out) {
  if (id > 3) return kEinval;
  if (opts.clocks.now) {
    out = opts.clocks.now(ClockId(id));
    return kOk;
  }
  clockid_t c = CLOCK_REALTIME;
  hostClock(id, c);
  struct timespec ts;
  if (clock_gettime(c, &ts) != 0) return vfs::fromHostErrno(errno);
  out = toNanos(ts);
  return kOk;
}

Errno Context::State::clockRes(uint32_t id, uint64_t& out) {
  if (id > 3) return kEinval;
  if (opts.clocks.resolution) {
    out = opts.clocks.resolution(ClockId(id));
    return kOk;
  }
  if (opts.clocks.now) {
    out = 1;
    return kOk;
  }
  clockid_t c = CLOCK_REALTIME;
  hostClock(id, c);
  struct timespec ts;
  if (clock_getres(c, &ts) != 0) return vfs::fromHostErrno(errno);
  out = toNanos(ts);
  return kOk;
}

void Context::State::sleepFor(uint64_t ns) {
  if (ns == 0) return;
  if (opts.clocks.sleep) {
    opts.clocks.sleep(ns);
    return;
  }
  struct timespec ts;
  ts.tv_sec = time_t(std::min<uint64_t>(ns / 1000000000ull, INT32_MAX));
  ts.tv_nsec = long(ns % 1000000000ull);
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
  }
}

Errno Context::State::random(uint8_t* p, size_t len) {
  if (opts.random) {
    opts.random(std::span<uint8_t>(p, len));
    return kOk;
  }
  while (len > 0) {
#if defined(__linux__)
    ssize_t r = ::getrandom(p, len, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return vfs::fromHostErrno(errno);
    }
#else
    size_t chunk = std::min<size_t>(len, 256);
    if (::getentropy(p, chunk) != 0) return vfs::fromHostErrno(errno);
    ssize_t r = ssize_t(chunk);
#endif
    p += r;
    len -= size_t(r);
  }
  return kOk;
}

// ---------------------------------------------------------------------------
// Handlers

namespace {
// --- args and environ
Errno writeStrings(const Mem& m, const std::vector<std::string>& list, uint32_t ptrs, uint32_t buf) {
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (!m.ok(ptrs, uint64_t(list.size()) * 4) || !m.ok(buf, total)) return kEfault;
  uint64_t at = buf;
  for (size_t i = 0; i < list.size(); ++i) {
    m.st32(ptrs + 4 * i, uint32_t(at));
    std::memcpy(m.at(at), list[i].data(), list[i].size());
    m.st8(at + list[i].size(), 0);
    at += list[i].size() + 1;
  }
  return kOk;
}

Errno writeSizes(const Mem& m, const std::vector<std::string>& list, uint32_t count_ptr, uint32_t size_ptr) {
  if (!m.ok(count_ptr, 4) || !m.ok(size_ptr, 4)) return kEfault;
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (total > UINT32_MAX) return kEoverflow;
  m.st32(count_ptr, uint32_t(list.size()));
  m.st32(size_ptr, uint32_t(total));
  return kOk;
}

}  // namespace

Errno argsGet(State& s, const Mem& m, const Args& a) { return writeStrings(m, s.opts.args, a.u32(0), a.u32(1)); }
Errno argsSizesGet(State& s, const Mem& m, const Args& a) { return writeSizes(m, s.opts.args, a.u32(0), a.u32(1)); }
Errno environGet(State& s, const Mem& m, const Args& a) { return writeStrings(m, s.opts.env, a.u32(0), a.u32(1)); }
Errno environSizesGet(State& s, const Mem& m, const Args& a) { return writeSizes(m, s.opts.env, a.u32(0), a.u32(1)); }

// --- clocks, randomness, scheduling
Errno clockResGet(State& s, const Mem& m, const Args& a) {
  uint32_t out = a.u32(1);
  uint64_t v = 0;
  if (Errno e = s.clockRes(a.u32(0), v)) return e;
  if (!m.ok(out, 8)) return kEfault;
  m.st64(out, v);
  return kOk;
}

Errno clockTimeGet(State& s, const Mem& m, const Args& a) {
  uint32_t out = a.u32(2);
  uint64_t v = 0;
  if (Errno e = s.clockNow(a.u32(0), v)) return e;
  if (!m.ok(out, 8)) return kEfault;
  m.st64(out, v);
  return kOk;
}

Errno randomGet(State& s, const Mem& m, const Args& a) {
  uint32_t buf = a.u32(0), len = a.u32(1);
  if (!m.ok(buf, len)) return kEfault;
  return s.random(m.at(buf), len);
}

Errno schedYield(State&, const Mem&, const Args&) {
  ::sched_yield();
  return kOk;
}

namespace {

const char* const kSignalNames[] = {"NONE", "HUP",    "INT",  "QUIT",  "ILL",  "TRAP", "ABRT", "BUS",
                                    "FPE",  "KILL",   "USR1", "SEGV",  "USR2", "PIPE", "ALRM", "TERM",
                                    "CHLD", "CONT",   "STOP", "TSTP",  "TTIN", "TTOU", "URG",  "XCPU",
                                    "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR",  "SYS"};

}  // namespace

// proc_raise: signals whose default action is to be ignored (and signal 0)
// do nothing; the stop signals are not supported; every other signal ends
// the guest as a signal ends a process, with exit status 128 + the signal.
std::optional<Trap> procRaise(std::span<const Value> args, std::span<Value> results) {
  uint32_t sig = uint32_t(args[0].bits);
  if (sig > 30) {
    results[0] = Value::i32(kEinval);
    return std::nullopt;
  }
  switch (sig) {
    case 0:   // none
    case 16:  // CHLD
    case 17:  // CONT
    case 22:  // URG
    case 27:  // WINCH
      results[0] = Value::i32(kOk);
      return std::nullopt;
    case 18:
    case 19:
    case 20:
    case 21:  // STOP, TSTP, TTIN, TTOU
      results[0] = Value::i32(kEnotsup);
      return std::nullopt;
    default: {
      Trap t = Trap::exit(int(128 + sig));
      t.message = std::string("guest raised SIG") + kSignalNames[sig];
      return t;
    }
  }
}
}  // namespace tern::wasi
