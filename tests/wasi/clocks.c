// clock_res_get, clock_time_get, random_get, sched_yield, and poll_oneoff
// with clock subscriptions.
#include <time.h>

#include "wt.h"

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout, int abstime) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.precision = 0;
  s.u.u.clock.flags = abstime ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static volatile uint64_t sink;

int main(void) {
  // --- clock_res_get
  for (__wasi_clockid_t id = 0; id < 4; ++id) {
    __wasi_timestamp_t res = 0;
    CHECK_OK(__wasi_clock_res_get(id, &res));
    CHECK(res > 0 && res <= 1000000000ull);
  }
  __wasi_timestamp_t res;
  CHECK_ERR(__wasi_clock_res_get(4, &res), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_clock_res_get(-1, P(&res)), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_clock_res_get(__WASI_CLOCKID_MONOTONIC, -4), __WASI_ERRNO_FAULT);
  wt_group("clock_res_get");

  // --- clock_time_get
  uint64_t real = wt_now(__WASI_CLOCKID_REALTIME);
  CHECK(real > 1600000000ull * 1000000000ull);  // after 2020
  CHECK(real < 4102444800ull * 1000000000ull);  // before 2100
  uint64_t m1 = wt_now(__WASI_CLOCKID_MONOTONIC);
  uint64_t m2 = wt_now(__WASI_CLOCKID_MONOTONIC);
  CHECK(m1 > 0 && m2 >= m1);
  uint64_t c1 = wt_now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
  uint64_t t1 = wt_now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
  for (uint64_t i = 0; i < 3000000; ++i) sink += i * i;
  uint64_t c2 = wt_now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
  uint64_t t2 = wt_now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
  CHECK(c2 > c1);
  CHECK(t2 > t1);
  __wasi_timestamp_t ts;
  CHECK_ERR(__wasi_clock_time_get(7, 1, &ts), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_clock_time_get(__WASI_CLOCKID_REALTIME, 1, -8), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_clock_time_get(__WASI_CLOCKID_REALTIME, 1, (int32_t)(wt_mem_end() - 7)), __WASI_ERRNO_FAULT);
  wt_group("clock_time_get");

  // --- random_get
  uint8_t a[64], b[64];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  CHECK_OK(__wasi_random_get(a, sizeof a));
  CHECK_OK(__wasi_random_get(b, sizeof b));
  int nonzero = 0;
  for (size_t i = 0; i < sizeof a; ++i) nonzero += a[i] != 0;
  CHECK(nonzero > 32);
  CHECK(memcmp(a, b, sizeof a) != 0);
  CHECK_OK(__wasi_random_get(a, 0));
  CHECK_ERR(raw_random_get(-16, 32), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_random_get(P(a), -1), __WASI_ERRNO_FAULT);
  uint8_t* big = malloc(1 << 20);
  CHECK_OK(__wasi_random_get(big, 1 << 20));
  free(big);
  wt_group("random_get");

  CHECK_OK(__wasi_sched_yield());
  wt_group("sched_yield");

  // --- poll_oneoff with clocks
  __wasi_subscription_t subs[4];
  __wasi_event_t evs[4];
  __wasi_size_t n = 99;
  // A relative timeout of 20 ms on the monotonic clock really waits.
  subs[0] = clock_sub(42, __WASI_CLOCKID_MONOTONIC, 20000000, 0);
  uint64_t before = wt_now(__WASI_CLOCKID_MONOTONIC);
  CHECK_OK(__wasi_poll_oneoff(subs, evs, 1, &n));
  uint64_t after = wt_now(__WASI_CLOCKID_MONOTONIC);
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(evs[0].userdata, 42);
  CHECK_EQ_U64(evs[0].error, 0);
  CHECK_EQ_U64(evs[0].type, __WASI_EVENTTYPE_CLOCK);
  CHECK(after - before >= 20000000);
  CHECK(after - before < 5000000000ull);
  // Of two clocks the earlier one fires, alone.
  subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 3000000000ull, 0);
  subs[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 5000000, 0);
  CHECK_OK(__wasi_poll_oneoff(subs, evs, 2, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(evs[0].userdata, 2);
  // An absolute deadline 10 ms from now on the realtime clock.
  uint64_t now = wt_now(__WASI_CLOCKID_REALTIME);
  subs[0] = clock_sub(7, __WASI_CLOCKID_REALTIME, now + 10000000, 1);
  CHECK_OK(__wasi_poll_oneoff(subs, evs, 1, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(evs[0].userdata, 7);
  CHECK(wt_now(__WASI_CLOCKID_REALTIME) >= now + 10000000);
  // A deadline in the past fires at once.
  subs[0] = clock_sub(8, __WASI_CLOCKID_MONOTONIC, 1, 1);
  CHECK_OK(__wasi_poll_oneoff(subs, evs, 1, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(evs[0].userdata, 8);
  // An unknown clock gives an event carrying EINVAL.
  subs[0] = clock_sub(9, 17, 1000, 0);
  CHECK_OK(__wasi_poll_oneoff(subs, evs, 1, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(evs[0].userdata, 9);
  CHECK_EQ_U64(evs[0].error, __WASI_ERRNO_INVAL);
  // No subscriptions, an unknown event type, bad pointers.
  CHECK_ERR(__wasi_poll_oneoff(subs, evs, 0, &n), __WASI_ERRNO_INVAL);
  subs[0] = clock_sub(10, __WASI_CLOCKID_MONOTONIC, 0, 0);
  subs[0].u.tag = 9;
  CHECK_ERR(__wasi_poll_oneoff(subs, evs, 1, &n), __WASI_ERRNO_INVAL);
  subs[0] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 0, 0);
  CHECK_ERR(raw_poll_oneoff(-48, P(evs), 1, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_poll_oneoff(P(subs), -32, 1, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_poll_oneoff(P(subs), P(evs), 1, -1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_poll_oneoff(P(subs), P(evs), 0x10000000, P(&n)), __WASI_ERRNO_FAULT);
  // The same array for subscriptions and events works.
  __wasi_subscription_t both[2];
  both[0] = clock_sub(12, __WASI_CLOCKID_MONOTONIC, 0, 0);
  CHECK_OK(raw_poll_oneoff(P(both), P(both), 1, P(&n)));
  CHECK_EQ_U64(n, 1);
  CHECK_EQ_U64(((__wasi_event_t*)both)[0].userdata, 12);
  wt_group("poll_oneoff clocks");

  // libc's sleep goes through poll_oneoff.
  before = wt_now(__WASI_CLOCKID_MONOTONIC);
  struct timespec req = {0, 15000000};
  CHECK(nanosleep(&req, NULL) == 0);
  CHECK(wt_now(__WASI_CLOCKID_MONOTONIC) - before >= 15000000);
  wt_group("nanosleep");
  return wt_done();
}
