// poll_oneoff with descriptor subscriptions (stdin, stdout, files, bad
// descriptors) mixed with clocks. The harness feeds "hello\n" on stdin.
#include "wt.h"

static __wasi_subscription_t fd_sub(uint64_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, uint64_t ns) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  s.u.u.clock.timeout = ns;
  return s;
}

static const __wasi_event_t* find(const __wasi_event_t* ev, __wasi_size_t n, uint64_t userdata) {
  for (__wasi_size_t i = 0; i < n; ++i)
    if (ev[i].userdata == userdata) return &ev[i];
  return NULL;
}

int main(void) {
  __wasi_fd_t box = wt_preopen("/sandbox");
  __wasi_subscription_t subs[4];
  __wasi_event_t ev[4];
  __wasi_size_t n;

  // stdin becomes readable; the 5 s clock does not fire.
  subs[0] = fd_sub(1, __WASI_EVENTTYPE_FD_READ, 0);
  subs[1] = clock_sub(2, 5000000000ull);
  uint64_t t0 = wt_now(__WASI_CLOCKID_MONOTONIC);
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 2, &n));
  CHECK(wt_now(__WASI_CLOCKID_MONOTONIC) - t0 < 4000000000ull);
  const __wasi_event_t* e = find(ev, n, 1);
  CHECK(e != NULL);
  CHECK(find(ev, n, 2) == NULL);
  if (e) {
    CHECK_EQ_U64(e->type, __WASI_EVENTTYPE_FD_READ);
    CHECK_EQ_U64(e->error, 0);
    CHECK(e->fd_readwrite.nbytes >= 1 && e->fd_readwrite.nbytes <= 6);
  }
  // Read all of stdin; then polling reports the end (hangup, nothing to read).
  char buf[16] = {0};
  size_t got = 0;
  for (int i = 0; i < 100 && got < 6; ++i) {
    __wasi_iovec_t iov = {(uint8_t*)buf + got, sizeof buf - 1 - got};
    CHECK_OK(__wasi_fd_read(0, &iov, 1, &n));
    got += n;
    if (n == 0) break;
  }
  CHECK_STR(buf, "hello\n");
  subs[0] = fd_sub(3, __WASI_EVENTTYPE_FD_READ, 0);
  subs[1] = clock_sub(4, 5000000000ull);
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 2, &n));
  e = find(ev, n, 3);
  CHECK(e != NULL);
  if (e) {
    CHECK_EQ_U64(e->error, 0);
    CHECK_EQ_U64(e->fd_readwrite.nbytes, 0);
    CHECK(e->fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP);
  }
  wt_group("stdin");

  // stdout is writable at once.
  subs[0] = fd_sub(5, __WASI_EVENTTYPE_FD_WRITE, 1);
  subs[1] = clock_sub(6, 5000000000ull);
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 2, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(ev[0].userdata, 5);
  CHECK_EQ_U64(ev[0].type, __WASI_EVENTTYPE_FD_WRITE);
  CHECK_EQ_U64(ev[0].error, 0);
  wt_group("stdout");

  // A file is always ready; for reading it reports the bytes left.
  CHECK_OK(wt_put(box, "polled", "0123456789"));
  __wasi_fd_t fd;
  CHECK_OK(wt_open(box, "polled", 0, WT_FILE_RW, &fd));
  __wasi_filesize_t pos;
  CHECK_OK(__wasi_fd_seek(fd, 3, __WASI_WHENCE_SET, &pos));
  subs[0] = fd_sub(7, __WASI_EVENTTYPE_FD_READ, fd);
  subs[1] = fd_sub(8, __WASI_EVENTTYPE_FD_WRITE, fd);
  subs[2] = clock_sub(9, 5000000000ull);
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 3, &n));
  CHECK_EQ_U64(n, 2);
  e = find(ev, n, 7);
  CHECK(e && e->error == 0 && e->type == __WASI_EVENTTYPE_FD_READ);
  if (e) CHECK_EQ_U64(e->fd_readwrite.nbytes, 7);
  e = find(ev, n, 8);
  CHECK(e && e->error == 0 && e->type == __WASI_EVENTTYPE_FD_WRITE);
  CHECK_OK(__wasi_fd_close(fd));
  wt_group("files");

  // Bad descriptors and missing rights come back as events with an error,
  // at once.
  CHECK_OK(wt_open(box, "polled", 0, __WASI_RIGHTS_FD_READ, &fd));
  subs[0] = fd_sub(10, __WASI_EVENTTYPE_FD_READ, 1000);
  subs[1] = fd_sub(11, __WASI_EVENTTYPE_FD_READ, fd);  // no poll right
  subs[2] = clock_sub(12, 5000000000ull);
  t0 = wt_now(__WASI_CLOCKID_MONOTONIC);
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 3, &n));
  CHECK(wt_now(__WASI_CLOCKID_MONOTONIC) - t0 < 4000000000ull);
  CHECK_EQ_U64(n, 2);
  e = find(ev, n, 10);
  CHECK(e && e->error == __WASI_ERRNO_BADF && e->type == __WASI_EVENTTYPE_FD_READ);
  e = find(ev, n, 11);
  CHECK(e && e->error == __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(fd));
  wt_group("errors");

  // Only a clock and a descriptor that never becomes ready: the clock wins.
  CHECK_OK(wt_open(box, "polled", 0, WT_FILE_RO, &fd));
  subs[0] = clock_sub(13, 1000000);
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 1, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(ev[0].userdata, 13);
  CHECK_OK(__wasi_fd_close(fd));
  wt_group("clock alone");
  return wt_done();
}
