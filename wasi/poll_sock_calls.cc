// WASI preview1: poll_oneoff and the sock_* host functions.
#include <poll.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "wasi/calls.h"

namespace tern::wasi {
namespace {

// --- poll_oneoff
constexpr uint32_t kMaxPollSubscriptions = 1u << 16;

// What one poll_oneoff waits for, read from its subscriptions, and the
// events it reports.
struct PollSet {
  struct Event {
    bool fired = false;
    uint64_t userdata = 0;
    Errno error = kOk;
    uint8_t type = 0;
    uint64_t nbytes = 0;
    uint16_t flags = 0;
  };
  struct Clock {
    uint32_t sub;
    uint64_t wait;  // nanoseconds from now
  };
  std::vector<Event> events;
  std::vector<Clock> clocks;
  std::vector<uint32_t> fd_subs;  // subscription of each pollfd
  std::vector<struct pollfd> pfds;
  bool immediate = false;  // an event has fired already: nothing waits
};

// Reads every subscription before any event is written: the arrays may overlap.
Errno readSubscriptions(State& s, const Mem& m, uint32_t in, uint32_t n, PollSet& ps) {
  ps.events.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t p = in + uint64_t(i) * kSubscriptionSize;
    PollSet::Event& ev = ps.events[i];
    ev.userdata = m.ld64(p);
    ev.type = m.ld8(p + 8);
    if (ev.type == kEventClock) {
      uint32_t id = m.ld32(p + 16);
      uint64_t timeout = m.ld64(p + 24);
      uint16_t flags = m.ld16(p + 40);
      uint64_t wait = timeout;
      if (flags & kSubclockAbstime) {
        uint64_t now = 0;
        if (Errno err = s.clockNow(id, now)) {
          ev.fired = ps.immediate = true;
          ev.error = err;
          continue;
        }
        wait = timeout > now ? timeout - now : 0;
      } else if (id > 3) {
        ev.fired = ps.immediate = true;
        ev.error = kEinval;
        continue;
      }
      ps.clocks.push_back({i, wait});
    } else if (ev.type == kEventFdRead || ev.type == kEventFdWrite) {
      bool wr = ev.type == kEventFdWrite;
      FdEntry* e = s.get(m.ld32(p + 16));
      if (!e) {
        ev.fired = ps.immediate = true;
        ev.error = kEbadf;
        continue;
      }
      if (!(e->rights & kRightPollFdReadwrite) || !(e->rights & (wr ? kRightFdWrite : kRightFdRead))) {
        ev.fired = ps.immediate = true;
        ev.error = kEnotcapable;
        continue;
      }
      int host = e->node->pollFd();
      if (host >= 0) {
        ps.fd_subs.push_back(i);
        ps.pfds.push_back({host, short(wr ? POLLOUT : POLLIN), 0});
        continue;
      }
      vfs::Readiness r = e->node->readiness(wr);
      if (r.ready) {
        ev.fired = ps.immediate = true;
        ev.nbytes = r.nbytes;
        if (r.hangup) ev.flags |= kEventHangup;
      }
    } else {
      return kEinval;
    }
  }
  return kOk;
}

// Polls the host descriptors for at most `wait` nanoseconds since `start`
// (UINT64_MAX: no limit) and fires the events of the ready ones.
Errno pollHostFds(PollSet& ps, uint64_t wait, uint64_t start, bool& fd_fired) {
  int r;
  for (;;) {
    int ms = -1;
    if (wait != UINT64_MAX) {
      uint64_t elapsed = monotonicNow() - start;
      uint64_t left = wait > elapsed ? wait - elapsed : 0;
      ms = int(std::min<uint64_t>((left + 999999) / 1000000, INT_MAX));
    }
    r = ::poll(ps.pfds.data(), ps.pfds.size(), ms);
    if (r >= 0) break;
    if (errno != EINTR) return vfs::fromHostErrno(errno);
  }
  for (size_t k = 0; k < ps.pfds.size(); ++k) {
    short re = ps.pfds[k].revents;
    if (!re) continue;
    PollSet::Event& ev = ps.events[ps.fd_subs[k]];
    ev.fired = fd_fired = true;
    if (re & POLLNVAL) {
      ev.error = kEbadf;
      continue;
    }
    if (re & POLLHUP) ev.flags |= kEventHangup;
    if (re & POLLERR) ev.error = kEio;
    if (ev.type == kEventFdRead) {
      int avail = 0;
      if (::ioctl(ps.pfds[k].fd, FIONREAD, &avail) == 0 && avail > 0) ev.nbytes = uint64_t(avail);
    }
  }
  return kOk;
}

// Writes the fired events, in subscription order; returns their number.
uint32_t writeEvents(const Mem& m, uint32_t outp, const std::vector<PollSet::Event>& events) {
  uint32_t k = 0;
  for (const PollSet::Event& ev : events) {
    if (!ev.fired) continue;
    uint64_t p = outp + uint64_t(k) * kEventSize;
    std::memset(m.at(p), 0, kEventSize);
    m.st64(p, ev.userdata);
    m.st16(p + 8, ev.error);
    m.st8(p + 10, ev.type);
    m.st64(p + 16, ev.nbytes);
    m.st16(p + 24, ev.flags);
    ++k;
  }
  return k;
}

}  // namespace

Errno pollOneoff(State& s, const Mem& m, const Args& a) {
  uint32_t in = a.u32(0), outp = a.u32(1), n = a.u32(2), count_ptr = a.u32(3);
  if (!m.ok(in, uint64_t(n) * kSubscriptionSize) || !m.ok(outp, uint64_t(n) * kEventSize) || !m.ok(count_ptr, 4))
    return kEfault;
  if (n == 0) return kEinval;
  // Far more than anything polls at once; keeps the host's memory bounded.
  if (n > kMaxPollSubscriptions) return kEinval;

  PollSet ps;
  if (Errno err = readSubscriptions(s, m, in, n, ps)) return err;

  uint64_t wait = UINT64_MAX;
  for (const PollSet::Clock& c : ps.clocks) wait = std::min(wait, c.wait);
  if (ps.immediate) wait = 0;

  uint64_t start = monotonicNow();
  bool fd_fired = false;
  if (ps.pfds.empty()) {
    if (wait != UINT64_MAX) s.sleepFor(wait);
    // With nothing to wait for at all the guest would sleep forever.
    else if (!ps.immediate) return kEinval;
  } else {
    if (Errno err = pollHostFds(ps, wait, start, fd_fired)) return err;
  }

  if (!ps.pfds.empty() || s.opts.clocks.sleep == nullptr) {
    uint64_t elapsed = monotonicNow() - start;
    for (const PollSet::Clock& c : ps.clocks) {
      // With no descriptor ready the earliest clock has expired, whatever
      // the rounding of poll's timeout.
      if (c.wait <= elapsed || (!ps.immediate && !fd_fired && c.wait == wait)) ps.events[c.sub].fired = true;
    }
  } else {
    for (const PollSet::Clock& c : ps.clocks)
      if (c.wait <= wait) ps.events[c.sub].fired = true;
  }

  m.st32(count_ptr, writeEvents(m, outp, ps.events));
  return kOk;
}

namespace {

// --- sockets
bool isSocket(const FdEntry& e) {
  uint8_t t = e.node->type();
  return t == kTypeSocketStream || t == kTypeSocketDgram;
}

}  // namespace

Errno sockAccept(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t flags = a.u32(1), out = a.u32(2);
  if (!m.ok(out, 4)) return kEfault;
  if (!isSocket(*e)) return kEnotsock;
  if (flags & ~uint32_t(kFdflagNonblock)) return kEinval;
  if (!(e->rights & kRightSockAccept)) return kEnotcapable;
  NodePtr conn;
  if (Errno err = e->node->accept(uint16_t(flags), conn)) return err;
  FdEntry c;
  c.node = std::move(conn);
  c.rights = kSocketRights & ~kRightSockAccept;
  c.inheriting = 0;
  uint32_t fd;
  if (Errno err = s.insert(std::move(c), fd)) return err;
  m.st32(out, fd);
  return kOk;
}

Errno sockRecv(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t riflags = a.u32(3), out_len = a.u32(4), out_flags = a.u32(5);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out_len, 4) || !m.ok(out_flags, 2)) return kEfault;
  if (!isSocket(*e)) return kEnotsock;
  if (riflags & ~uint32_t(kRiflagRecvPeek | kRiflagRecvWaitall)) return kEinval;
  if (!(e->rights & kRightFdRead)) return kEnotcapable;
  size_t n = 0;
  uint16_t ro = 0;
  if (Errno err = e->node->recv(iov, uint16_t(riflags), n, ro)) return err;
  m.st32(out_len, uint32_t(n));
  m.st16(out_flags, ro);
  return kOk;
}

Errno sockSend(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t siflags = a.u32(3), out = a.u32(4);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out, 4)) return kEfault;
  if (!isSocket(*e)) return kEnotsock;
  if (siflags != 0) return kEinval;  // no send flags are defined
  if (!(e->rights & kRightFdWrite)) return kEnotcapable;
  size_t n = 0;
  if (Errno err = e->node->send(iov, n)) return err;
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno sockShutdown(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t how = a.u32(1);
  if (!isSocket(*e)) return kEnotsock;
  if (how == 0 || (how & ~uint32_t(kSdflagRd | kSdflagWr))) return kEinval;
  if (!(e->rights & kRightSockShutdown)) return kEnotcapable;
  return e->node->shutdown(uint8_t(how));
}

}  // namespace tern::wasi
