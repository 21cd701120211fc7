// args_get, args_sizes_get, environ_get, environ_sizes_get.
// Run as: args_env.wasm one "two words" "" ünï --flag
// with exactly TERN_A=alpha, TERN_EMPTY= and TERN_EQ=a=b in the environment.
#include "wt.h"

static const char* const kArgs[] = {"one", "two words", "", "\xc3\xbcn\xc3\xaf", "--flag"};
static const char* const kEnv[] = {"TERN_A=alpha", "TERN_EMPTY=", "TERN_EQ=a=b"};

static void check_list(int32_t (*sizes)(int32_t, int32_t), int32_t (*get)(int32_t, int32_t), const char* const* want,
                       size_t nwant, size_t skip_first) {
  __wasi_size_t count = 0, size = 0;
  CHECK_OK(sizes(P(&count), P(&size)));
  CHECK_EQ_U64(count, nwant + skip_first);
  size_t expect_size = 0;
  char** ptrs = calloc(count + 1, sizeof(char*));
  char* buf = calloc(size + 1, 1);
  CHECK_OK(get(P(ptrs), P(buf)));
  for (size_t i = 0; i < count; ++i) {
    // Every string lies inside the buffer, NUL-terminated, one after another.
    CHECK(ptrs[i] >= buf && ptrs[i] < buf + size);
    if (i >= skip_first && i - skip_first < nwant) CHECK_STR(ptrs[i], want[i - skip_first]);
    expect_size += strlen(ptrs[i]) + 1;
  }
  CHECK_EQ_U64(size, expect_size);
  // Bad pointers: EFAULT, nothing written.
  CHECK_ERR(sizes(-8, P(&size)), __WASI_ERRNO_FAULT);
  CHECK_ERR(sizes(P(&count), 0x7ffffffe), __WASI_ERRNO_FAULT);
  CHECK_ERR(get(-4, P(buf)), __WASI_ERRNO_FAULT);
  CHECK_ERR(get(P(ptrs), -1), __WASI_ERRNO_FAULT);
  // A buffer that ends past the memory: EFAULT.
  uint8_t* page = wt_last_page();
  uint32_t mem_end = wt_mem_end();
  CHECK(page && P(page) + 65536u == mem_end);
  CHECK_ERR(get(P(ptrs), (int32_t)(mem_end - size + 1)), __WASI_ERRNO_FAULT);
  CHECK_OK(get(P(ptrs), (int32_t)(mem_end - size)));
  free(ptrs);
  free(buf);
}

int main(int argc, char** argv) {
  // libc's view first.
  CHECK(argc == 6);
  if (argc == 6) {
    for (int i = 1; i < 6; ++i) CHECK_STR(argv[i], kArgs[i - 1]);
    size_t n0 = strlen(argv[0]);
    CHECK(n0 >= 5 && strcmp(argv[0] + n0 - 5, ".wasm") == 0);
  }
  CHECK_STR(getenv("TERN_A"), "alpha");
  CHECK_STR(getenv("TERN_EMPTY"), "");
  CHECK_STR(getenv("TERN_EQ"), "a=b");
  CHECK(getenv("PATH") == NULL);
  CHECK(getenv("HOME") == NULL);
  wt_group("libc");

  check_list(raw_args_sizes_get, raw_args_get, kArgs, 5, 1);
  wt_group("args");
  check_list(raw_environ_sizes_get, raw_environ_get, kEnv, 3, 0);
  wt_group("environ");
  return wt_done();
}
