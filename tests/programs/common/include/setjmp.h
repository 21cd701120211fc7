/* setjmp.h for the wasm32-wasi builds of tests/programs.
 *
 * wasi-libc (Debian 12) has no setjmp/longjmp: they need wasm exception
 * handling, which clang 14 does not offer. Programs that use them only to
 * unwind on errors still run: setjmp returns 0 (the normal path) and
 * longjmp, which only an error reaches, says so on stderr and aborts (the
 * guest traps, so the run differs from native and the test fails loudly).
 * The suite's inputs raise no errors. Native builds use the real header.
 */
#ifndef TERN_PROGRAMS_SETJMP_H
#define TERN_PROGRAMS_SETJMP_H
#include <stdio.h>
#include <stdlib.h>

typedef int jmp_buf[1];
typedef int sigjmp_buf[1];
#define setjmp(env) ((void)(env), 0)
#define _setjmp(env) setjmp(env)
#define sigsetjmp(env, savesigs) ((void)(savesigs), setjmp(env))

static inline _Noreturn void longjmp(jmp_buf env, int val) {
  (void)env;
  (void)val;
  fputs("longjmp: not available in this wasm32-wasi build (an error was raised)\n", stderr);
  abort();
}
#define _longjmp(env, val) longjmp(env, val)
#define siglongjmp(env, val) longjmp(env, val)
#endif
