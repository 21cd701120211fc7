/* tern run vs native: arguments, environment and exit status.
 *
 *   args_env [ARGS...]        print the arguments and some variables
 *   args_env exit N ...       the same, then exit(N) (WASI proc_exit)
 *   args_env return N ...     the same, then return N from main
 *   args_env abort            abort(): a trap in Wasm, SIGABRT natively;
 *                             both end with status 134
 *
 * argv[0] differs between the two runs and is not printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *name) {
  const char *v = getenv(name);
  if (v) printf("%s=[%s]\n", name, v);
  else printf("%s unset\n", name);
}

int main(int argc, char **argv) {
  printf("argc-1 = %d\n", argc - 1);
  for (int i = 1; i < argc; ++i) printf("arg %d: [%s] (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  show("TERN_A");
  show("TERN_B");
  show("TERN_EMPTY");
  show("TERN_UNSET");
  fprintf(stderr, "args_env: to stderr\n");
  if (argc > 1 && strcmp(argv[1], "abort") == 0) {
    fflush(stdout);
    abort();
  }
  if (argc > 2 && strcmp(argv[1], "exit") == 0) {
    printf("calling exit(%d)\n", atoi(argv[2]));
    exit(atoi(argv[2])); /* stdio buffers are flushed by exit */
  }
  if (argc > 2 && strcmp(argv[1], "return") == 0) {
    printf("returning %d\n", atoi(argv[2]));
    return atoi(argv[2]);
  }
  return 0;
}
