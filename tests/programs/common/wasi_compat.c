/* Definitions for include/tern_wasi_compat.h, linked into every wasm32-wasi
 * build of tests/programs: functions WASI has no equivalent for. Each fails
 * with ENOSYS; none is reached by the suite's runs. */
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>

int chmod(const char *path, mode_t mode) {
  (void)path;
  (void)mode;
  errno = ENOSYS;
  return -1;
}
int fchmod(int fd, mode_t mode) {
  (void)fd;
  (void)mode;
  errno = ENOSYS;
  return -1;
}
int chown(const char *path, uid_t owner, gid_t group) {
  (void)path;
  (void)owner;
  (void)group;
  errno = ENOSYS;
  return -1;
}
int fchown(int fd, uid_t owner, gid_t group) {
  (void)fd;
  (void)owner;
  (void)group;
  errno = ENOSYS;
  return -1;
}
/* Declared by wasi-libc's stdio.h and stdlib.h but not defined. */
FILE *tmpfile(void) {
  errno = ENOSYS;
  return NULL;
}
int system(const char *command) {
  if (command == NULL) return 0;
  errno = ENOSYS;
  return -1;
}
