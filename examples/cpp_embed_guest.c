/* The guest of examples/cpp_embed.cc: a WASI command that uses two host
 * functions the embedder defines from C++ lambdas, prints through WASI, and
 * exports `add` for a typed call from C++ after it has run.
 *
 * Build: clang --target=wasm32-wasi -O2 -o cpp_embed_guest.wasm cpp_embed_guest.c */
#include <stdio.h>
#include <string.h>

/* host.scale(x): defined by the embedder. */
__attribute__((import_module("host"), import_name("scale"))) int host_scale(int x);
/* host.note(ptr, len): the embedder reads the text from this module's memory. */
__attribute__((import_module("host"), import_name("note"))) void host_note(const char* text, unsigned len);

__attribute__((export_name("add"))) int add(int a, int b) { return a + b; }

int main(int argc, char** argv) {
  const char* note = "guest is running";
  int i;
  host_note(note, (unsigned)strlen(note));
  printf("hello from the guest, argc=%d\n", argc);
  for (i = 1; i < argc; ++i) printf("arg %d: %s\n", i, argv[i]);
  printf("host.scale(21) = %d\n", host_scale(21));
  return 0;
}
