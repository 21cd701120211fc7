/* Force-included (-include) into the wasm32-wasi builds of tests/programs.
 * Declares the POSIX functions wasi-libc lacks that the programs' command-line
 * tools call only when copying file metadata (owner, mode) or in features the
 * suite does not use; wasi_compat.c defines them to fail with ENOSYS. */
#ifndef TERN_WASI_COMPAT_H
#define TERN_WASI_COMPAT_H
#include <sys/types.h>
int chmod(const char *path, mode_t mode);
int fchmod(int fd, mode_t mode);
int chown(const char *path, uid_t owner, gid_t group);
int fchown(int fd, uid_t owner, gid_t group);
#endif
