// proc_exit and proc_raise. The first argument picks what to do:
//   exit N        proc_exit(N)               -> exit status N
//   return N      return N from main         -> exit status N
//   raise-term    proc_raise(SIGTERM)        -> exit status 128 + 15
//   raise-ignored the signals that do nothing, then exit 0 with PASS
#include "wt.h"

// The signal numbers of the old wasi/api.h (proc_raise has left it).
enum { SIG_NONE = 0, SIG_TERM = 15, SIG_CHLD = 16, SIG_CONT = 17, SIG_STOP = 18, SIG_URG = 22, SIG_WINCH = 27 };

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "exit") == 0) {
    printf("exiting with %s\n", argv[2]);
    fflush(stdout);
    __wasi_proc_exit((__wasi_exitcode_t)atoi(argv[2]));
  }
  if (strcmp(argv[1], "return") == 0) return atoi(argv[2]);
  if (strcmp(argv[1], "raise-term") == 0) {
    printf("raising\n");
    fflush(stdout);
    raw_proc_raise(SIG_TERM);
    printf("FAIL still running\n");
    return 1;
  }
  if (strcmp(argv[1], "raise-ignored") == 0) {
    CHECK_OK(raw_proc_raise(SIG_NONE));
    CHECK_OK(raw_proc_raise(SIG_CHLD));
    CHECK_OK(raw_proc_raise(SIG_CONT));
    CHECK_OK(raw_proc_raise(SIG_URG));
    CHECK_OK(raw_proc_raise(SIG_WINCH));
    CHECK_ERR(raw_proc_raise(SIG_STOP), __WASI_ERRNO_NOTSUP);
    CHECK_ERR(raw_proc_raise(31), __WASI_ERRNO_INVAL);
    CHECK_ERR(raw_proc_raise(-1), __WASI_ERRNO_INVAL);
    CHECK_OK(raw_sched_yield());
    wt_group("proc_raise");
    return wt_done();
  }
  return 2;
}
