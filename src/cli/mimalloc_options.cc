// mimalloc's options, set before its constructor reads them from the
// environment. Its constructor looks up each of its two dozen options in
// the environment (MIMALLOC_NAME, matched without regard to case, some under
// a second, older name too), some 50,000 instructions: an eighth of what
// `tern run` of an empty program executed (bench/startup.py). A function
// in the executable's .preinit_array runs before any shared object's
// constructor; when no variable of the environment starts with MIMALLOC_,
// it marks every option set to its default, which mimalloc reads from an
// empty environment there and then. With such a variable, mimalloc reads
// the environment itself, as it always did.
#ifndef TERN_MINIMAL
#include <mimalloc.h>
#include <unistd.h>

#include <cstddef>

namespace {

// Compared by hand, ASCII letters without regard to case as mimalloc does:
// strncasecmp would be one more page of libc to map.
char upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }

bool mentionsMimalloc(char** env) {
  constexpr char kPrefix[] = "MIMALLOC_";
  for (; env && *env; ++env) {
    size_t i = 0;
    while (kPrefix[i] && upper((*env)[i]) == kPrefix[i]) ++i;
    if (!kPrefix[i]) return true;
  }
  return false;
}

// `envp` is the environment: libc has yet to set `environ` this early.
void presetMimallocOptions(int, char**, char** envp) {
  if (mentionsMimalloc(envp)) return;
  char** own = environ;
  char* none[] = {nullptr};
  environ = none;
  // mi_option_get finds no variable and gives the default, but before
  // mimalloc's constructor leaves the option to be read again;
  // mi_option_set marks it read.
  for (int i = 0; i < _mi_option_last; ++i) mi_option_set(mi_option_t(i), mi_option_get(mi_option_t(i)));
  environ = own;
}

[[gnu::section(".preinit_array"), gnu::used]] void (*const kPresetMimallocOptions)(int, char**,
                                                                                   char**) = presetMimallocOptions;

}  // namespace
#endif
