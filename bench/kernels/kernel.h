// Included by every kernel, after its other headers. A kernel is a program:
// main(argc, argv) takes its size from argv[1] and prints one line of
// checksums with printf. Built as usual (wasm32-wasi command, native, or with
// -Dmain=kernel_NAME for all.wasm), this header changes nothing.
//
// Built with -DKERNEL_EXPORTS (bench/meson.build: NAME.exports.wasm), the
// same source becomes a module with no imports at all, for engines that run
// exported functions but have no WASI (wabt's wasm-interp, see
// bench/wabt_compare.py). Linked with -nostartfiles -Wl,--no-entry, the
// module exports:
//   bench_run(n)   runs main with argv[1] = n (decimal) and returns the
//                  32-bit FNV-1a hash of the line main printed (without its
//                  trailing newline), as an i32;
//   bench_main()   the same with n read from kernel_arg below: a
//                  zero-argument export, for runners that cannot pass
//                  arguments. bench/wabt_compare.py sets n by patching the
//                  word after the tag "kernel-arg:" in a copy of the module.
// printf and main are renamed by macros, so the kernel's code is the same
// in both builds. A non-zero status from main traps (unreachable). Each
// instance may run one of the two exports once (kernels keep state in
// globals).
#pragma once

#ifdef KERNEL_EXPORTS
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static char kernel_line[1024];
static size_t kernel_line_len;

static int kernel_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = sizeof kernel_line - kernel_line_len;
  int n = vsnprintf(kernel_line + kernel_line_len, room, fmt, ap);
  va_end(ap);
  if (n > 0) kernel_line_len += (size_t)n < room ? (size_t)n : room - 1;
  return n;
}

// The argument of bench_main; 0xffffffff means none (the kernel's default).
// volatile: the compiler must read it, so that the bytes in the module's data
// are what runs.
static volatile const struct {
  char tag[12];
  uint32_t value;
} kernel_arg = {"kernel-arg:", 0xffffffffu};

int kernel_main(int argc, char **argv);

static int32_t kernel_run(int have_arg, uint32_t n) {
  char digits[16];
  char name[] = "kernel";
  char *argv[3] = {name, digits, NULL};
  snprintf(digits, sizeof digits, "%u", n);
  kernel_line_len = 0;
  kernel_line[0] = 0;
  if (kernel_main(have_arg ? 2 : 1, argv) != 0) __builtin_trap();
  while (kernel_line_len > 0 && kernel_line[kernel_line_len - 1] == '\n') kernel_line_len--;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < kernel_line_len; i++) h = (h ^ (unsigned char)kernel_line[i]) * 16777619u;
  return (int32_t)h;
}

__attribute__((export_name("bench_run"))) int32_t bench_run(int32_t n) { return kernel_run(1, (uint32_t)n); }

__attribute__((export_name("bench_main"))) int32_t bench_main(void) {
  uint32_t n = kernel_arg.value;
  return kernel_run(n != 0xffffffffu, n);
}

// libc's printf code refers to stderr (to complain about long double
// formats), stderr's FILE to the WASI calls that write, seek and close it,
// and libc's exit path to proc_exit; nothing here calls them (the line goes
// to a buffer), but linking libc's definitions would make them imports.
// Defined here, as traps, they keep those definitions, and with them every
// import, out of the module.
#include <wasi/api.h>
__wasi_errno_t __wasi_fd_write(__wasi_fd_t fd, const __wasi_ciovec_t *iovs, size_t iovs_len, __wasi_size_t *out) {
  (void)fd, (void)iovs, (void)iovs_len, (void)out;
  __builtin_trap();
}
__wasi_errno_t __wasi_fd_seek(__wasi_fd_t fd, __wasi_filedelta_t offset, __wasi_whence_t whence,
                              __wasi_filesize_t *out) {
  (void)fd, (void)offset, (void)whence, (void)out;
  __builtin_trap();
}
__wasi_errno_t __wasi_fd_close(__wasi_fd_t fd) {
  (void)fd;
  __builtin_trap();
}
_Noreturn void __wasi_proc_exit(__wasi_exitcode_t code) {
  (void)code;
  __builtin_trap();
}

#define printf kernel_printf
#define main kernel_main
#endif
