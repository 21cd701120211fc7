// The escape battery: every known way out of a preopened directory, each of
// which must be refused. The harness lays out
//   ROOT/secret.txt, ROOT/outside/secret.txt      (must stay untouched)
//   ROOT/box        preopened as /sandbox, holding
//       abs-link -> ROOT/secret.txt (an absolute target)
//       rel-link -> ../secret.txt
//   ROOT/other      preopened as /other
// and checks afterwards that nothing outside box and other changed.
#include "wt.h"

static __wasi_fd_t box, other;
static int attempts;

#define REFUSED(call, want) \
  do { \
    ++attempts; \
    CHECK_ERR(call, want); \
  } while (0)
#define NOTCAP __WASI_ERRNO_NOTCAPABLE

static void try_open(__wasi_fd_t dir, const char* path, __wasi_errno_t want) {
  __wasi_fd_t fd = (__wasi_fd_t)-1;
  ++attempts;
  __wasi_errno_t e = wt_open(dir, path, 0, WT_FILE_RO, &fd);
  if (e != want) {
    printf("FAIL open %s -> errno %d, expected %d\n", path, e, want);
    ++wt_failures;
  }
  if (e == 0) {
    char c[64] = {0};
    __wasi_iovec_t iov = {(uint8_t*)c, sizeof c - 1};
    __wasi_size_t n;
    if (__wasi_fd_read(fd, &iov, 1, &n) == 0 && strstr(c, "secret")) {
      printf("FAIL read the secret through %s\n", path);
      ++wt_failures;
    }
    (void)__wasi_fd_close(fd);
  }
}

// Every path operation on `path` (from `dir`) must fail with `want`.
static void all_ops(__wasi_fd_t dir, const char* path, __wasi_errno_t want) {
  try_open(dir, path, want);
  __wasi_fd_t fd;
  REFUSED(wt_open(dir, path, __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd), want);
  REFUSED(wt_open(dir, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, WT_FILE_RW, &fd), want);
  REFUSED(wt_open(dir, path, __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &fd), want);
  __wasi_filestat_t st;
  REFUSED(wt_stat(dir, path, 1, &st), want);
  REFUSED(raw_path_filestat_set_times(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, P(path), (int32_t)strlen(path), 0, 0,
                                      __WASI_FSTFLAGS_MTIM_NOW),
          want);
  REFUSED(wt_mkdir(dir, path), want);
  REFUSED(wt_rmdir(dir, path), want);
  REFUSED(wt_unlink(dir, path), want);
  REFUSED(wt_symlink("x", dir, path), want);
  REFUSED(wt_rename(box, "movable", dir, path), want);
  REFUSED(wt_rename(dir, path, box, "moved-in"), want);
  REFUSED(wt_link(box, 0, "movable", dir, path), want);
  REFUSED(wt_link(dir, 1, path, box, "linked-in"), want);
  char buf[64];
  __wasi_size_t n;
  REFUSED(wt_readlink(dir, path, buf, sizeof buf, &n), want);
}

// For a symlink as the last component: every operation that follows it
// must fail with `want`. (The others act on the link itself, which is
// inside.)
static void follow_ops(__wasi_fd_t dir, const char* path, __wasi_errno_t want) {
  try_open(dir, path, want);
  __wasi_fd_t fd;
  REFUSED(wt_open(dir, path, __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd), want);
  REFUSED(wt_open(dir, path, __WASI_OFLAGS_TRUNC, WT_FILE_RW, &fd), want);
  REFUSED(wt_open(dir, path, __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &fd), want);
  __wasi_filestat_t st;
  REFUSED(wt_stat(dir, path, 1, &st), want);
  REFUSED(raw_path_filestat_set_times(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, P(path), (int32_t)strlen(path), 0, 0,
                                      __WASI_FSTFLAGS_MTIM_NOW),
          want);
  REFUSED(wt_link(dir, 1, path, box, "linked-in"), want);
  // With a trailing slash even the non-following operations follow.
  char slashed[128];
  snprintf(slashed, sizeof slashed, "%s/", path);
  REFUSED(wt_mkdir(dir, slashed), want);
  REFUSED(wt_rmdir(dir, slashed), want);
  REFUSED(wt_stat(dir, slashed, 0, &st), want);
}

int main(void) {
  box = wt_preopen("/sandbox");
  other = wt_preopen("/other");
  CHECK_OK(wt_put(box, "movable", "stays inside"));
  CHECK_OK(wt_mkdir(box, "a"));
  CHECK_OK(wt_mkdir(box, "a/b"));

  // --- `..` in every position
  const char* dotdot[] = {"..",
                          "../",
                          "../secret.txt",
                          "../outside/secret.txt",
                          "./../secret.txt",
                          "a/../../secret.txt",
                          "a/b/../../../secret.txt",
                          "a/../a/../..",
                          "a//..//..//secret.txt",
                          "../box/movable",
                          "../other/x",
                          "a/b/../../../../../../../../etc/passwd"};
  for (size_t i = 0; i < sizeof dotdot / sizeof *dotdot; ++i) all_ops(box, dotdot[i], NOTCAP);
  all_ops(other, "../secret.txt", NOTCAP);
  all_ops(other, "..", NOTCAP);
  wt_group("dotdot");

  // --- absolute paths
  const char* absolute[] = {"/", "/etc/passwd", "/secret.txt", "/sandbox/movable", "/tmp", "//secret.txt"};
  for (size_t i = 0; i < sizeof absolute / sizeof *absolute; ++i) all_ops(box, absolute[i], NOTCAP);
  wt_group("absolute");

  // --- symlinks the harness planted
  try_open(box, "abs-link", NOTCAP);
  try_open(box, "rel-link", NOTCAP);
  __wasi_filestat_t st;
  REFUSED(wt_stat(box, "abs-link", 1, &st), NOTCAP);
  REFUSED(wt_stat(box, "rel-link", 1, &st), NOTCAP);
  CHECK_OK(wt_stat(box, "rel-link", 0, &st));  // the link itself is fine to look at
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  __wasi_fd_t fd;
  REFUSED(wt_open_ex(box, 0, "rel-link", 0, WT_FILE_RO, 0, &fd), __WASI_ERRNO_LOOP);
  wt_group("planted symlinks");

  // --- symlinks the guest makes
  // Absolute targets are refused outright.
  REFUSED(wt_symlink("/etc/passwd", box, "mine-abs"), NOTCAP);
  REFUSED(wt_symlink("/", box, "mine-root"), NOTCAP);
  // Relative ones can be made but never lead out.
  CHECK_OK(wt_symlink("..", box, "up"));
  CHECK_OK(wt_symlink("../outside", box, "outdir"));
  CHECK_OK(wt_symlink("../secret.txt", box, "esc"));
  CHECK_OK(wt_symlink("a/b/../../..", box, "sneaky"));
  CHECK_OK(wt_symlink("../../..", box, "a/b/deep-up"));
  // Chains: each step looks harmless, together they leave.
  CHECK_OK(wt_symlink("chain2", box, "chain1"));
  CHECK_OK(wt_symlink("a/chain3", box, "chain2"));
  CHECK_OK(wt_symlink("../up/secret.txt", box, "a/chain3"));
  CHECK_OK(wt_symlink("a", box, "toa"));
  CHECK_OK(wt_symlink("../../secret.txt", box, "a/twoup"));
  CHECK_OK(wt_symlink("toa/twoup", box, "viatoa"));
  // A link to a link to outside, through another preopen.
  CHECK_OK(wt_symlink("../other", box, "to-other"));
  const char* final_links[] = {"up",     "outdir", "esc",      "sneaky",   "a/b/deep-up",
                               "chain1", "viatoa", "to-other", "rel-link", "abs-link"};
  for (size_t i = 0; i < sizeof final_links / sizeof *final_links; ++i) follow_ops(box, final_links[i], NOTCAP);
  const char* through_links[] = {"up/secret.txt", "up/box/movable",          "outdir/secret.txt",
                                 "outdir/new",    "sneaky/secret.txt",       "a/b/deep-up/secret.txt",
                                 "to-other/x",    "a/b/deep-up/box/movable", "chain1/x",
                                 "abs-link/x",    "up/outside/secret.txt"};
  for (size_t i = 0; i < sizeof through_links / sizeof *through_links; ++i) all_ops(box, through_links[i], NOTCAP);
  // The links themselves can be inspected, renamed and removed.
  char target[64] = {0};
  __wasi_size_t n;
  CHECK_OK(wt_readlink(box, "esc", target, sizeof target, &n));
  CHECK_STR(target, "../secret.txt");
  CHECK_OK(wt_rename(box, "esc", box, "esc2"));
  CHECK_OK(wt_unlink(box, "esc2"));
  wt_group("guest symlinks");

  // --- a subdirectory descriptor is a capability of its own: `..` from it
  // fails even though it would still be inside /sandbox.
  __wasi_fd_t sub;
  CHECK_OK(wt_open(box, "a", __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &sub));
  all_ops(sub, "../movable", NOTCAP);
  all_ops(sub, "..", NOTCAP);
  all_ops(sub, "b/../..", NOTCAP);
  follow_ops(sub, "twoup", NOTCAP);
  CHECK_OK(__wasi_fd_close(sub));
  wt_group("subdirectory descriptor");

  // --- renames and links into or out of the outside
  REFUSED(wt_rename(box, "movable", box, "../movable"), NOTCAP);
  REFUSED(wt_rename(box, "movable", box, "outdir/movable"), NOTCAP);
  REFUSED(wt_rename(box, "movable", box, "up/movable"), NOTCAP);
  REFUSED(wt_rename(box, "a", box, "../a"), NOTCAP);
  REFUSED(wt_rename(box, "../secret.txt", box, "stolen"), NOTCAP);
  REFUSED(wt_rename(box, "outdir/secret.txt", box, "stolen"), NOTCAP);
  REFUSED(wt_link(box, 0, "../secret.txt", box, "stolen"), NOTCAP);
  REFUSED(wt_link(box, 1, "rel-link", box, "stolen"), NOTCAP);
  REFUSED(wt_link(box, 1, "abs-link", box, "stolen"), NOTCAP);
  REFUSED(wt_link(box, 0, "movable", box, "outdir/planted"), NOTCAP);
  REFUSED(wt_rename(box, ".", box, "../renamed-box"), NOTCAP);
  CHECK_ERR(wt_rename(box, ".", other, "renamed-box"), __WASI_ERRNO_BUSY);
  // Moving a directory that holds a relative link out of reach does not help.
  CHECK_OK(wt_mkdir(box, "carrier"));
  CHECK_OK(wt_symlink("../../secret.txt", box, "carrier/l"));
  CHECK_OK(wt_rename(box, "carrier", other, "carrier"));
  try_open(other, "carrier/l", NOTCAP);
  CHECK_OK(wt_stat(box, "movable", 0, &st));
  wt_group("rename and link");

  // --- odd names
  REFUSED(raw_path_open(box, 0, P("a\0/../../secret.txt"), 19, 0, WT_FILE_RO, 0, 0, P(&fd)), __WASI_ERRNO_ILSEQ);
  try_open(box, "...", __WASI_ERRNO_NOENT);  // just a name
  try_open(box, "a/b/...", __WASI_ERRNO_NOENT);
  try_open(box, ".../secret.txt", __WASI_ERRNO_NOENT);
  // A path as long as allowed made of `..` and names.
  char longpath[4000];
  size_t off = 0;
  while (off + 6 < sizeof longpath - 20) {
    memcpy(longpath + off, "a/../", 5);
    off += 5;
  }
  strcpy(longpath + off, "../secret.txt");
  try_open(box, longpath, NOTCAP);
  wt_group("odd names");

  // The guest's own files are all still reachable.
  char buf[64];
  CHECK_STR(wt_get(box, "movable", buf, sizeof buf), "stays inside");
  printf("%d escape attempts refused\n", attempts);
  return wt_done();
}
