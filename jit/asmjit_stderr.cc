// Only in libtern.so, and only when the system's libasmjit.a cannot be
// linked into a shared object as it is (see meson.build): asmjit's
// references to glibc's `stderr` are renamed to this variable in a copy of
// the archive, and it holds the real stderr. asmjit writes to it only for
// its own diagnostics.
#include <cstdio>

extern "C" {
__attribute__((visibility("hidden"))) extern FILE* tern_asmjit_stderr;
__attribute__((visibility("hidden"))) FILE* tern_asmjit_stderr = stderr;
}
