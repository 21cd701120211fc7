// The path_* functions inside /sandbox (and between /sandbox and /other).
#include "wt.h"

static __wasi_fd_t box, other;
static char buf[256];

static void directories(void) {
  CHECK_OK(wt_mkdir(box, "d"));
  CHECK_ERR(wt_mkdir(box, "d"), __WASI_ERRNO_EXIST);
  CHECK_OK(wt_mkdir(box, "d/e/"));  // a trailing slash is fine
  CHECK_ERR(wt_mkdir(box, "missing/x"), __WASI_ERRNO_NOENT);
  CHECK_OK(wt_put(box, "d/file", "content"));
  CHECK_ERR(wt_mkdir(box, "d/file/x"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_mkdir(box, "d/file"), __WASI_ERRNO_EXIST);
  CHECK_ERR(wt_mkdir(box, "."), __WASI_ERRNO_EXIST);
  CHECK_ERR(wt_mkdir(box, "d/.."), __WASI_ERRNO_EXIST);
  CHECK_ERR(wt_mkdir(box, ""), __WASI_ERRNO_NOENT);
  __wasi_filestat_t st;
  CHECK_OK(wt_stat(box, "d/e", 0, &st));
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_ERR(raw_path_create_directory(box, -16, 4), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_create_directory(1, P("x"), 1), __WASI_ERRNO_NOTDIR);  // stdout
  CHECK_ERR(raw_path_create_directory(1000, P("x"), 1), __WASI_ERRNO_BADF);
  wt_group("path_create_directory");

  CHECK_ERR(wt_rmdir(box, "d"), __WASI_ERRNO_NOTEMPTY);
  CHECK_ERR(wt_rmdir(box, "d/file"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_rmdir(box, "d/nothing"), __WASI_ERRNO_NOENT);
  CHECK_ERR(wt_rmdir(box, "."), __WASI_ERRNO_INVAL);
  CHECK_OK(wt_rmdir(box, "d/e/"));
  CHECK_ERR(wt_stat(box, "d/e", 0, &st), __WASI_ERRNO_NOENT);
  CHECK_ERR(raw_path_remove_directory(box, P("d"), -1), __WASI_ERRNO_FAULT);
  wt_group("path_remove_directory");

  CHECK_ERR(wt_unlink(box, "d"), __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_unlink(box, "d/"), __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_unlink(box, "d/file/"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_unlink(box, "d/none"), __WASI_ERRNO_NOENT);
  CHECK_OK(wt_unlink(box, "d/file"));
  CHECK_ERR(wt_stat(box, "d/file", 0, &st), __WASI_ERRNO_NOENT);
  CHECK_OK(wt_rmdir(box, "d"));
  wt_group("path_unlink_file");

  // A directory removed while open: still a descriptor, but nothing can be
  // created in it.
  __wasi_fd_t gone;
  CHECK_OK(wt_mkdir(box, "gone"));
  CHECK_OK(wt_mkdir(box, "gone/sub"));
  CHECK_OK(wt_open(box, "gone/sub", __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &gone));
  CHECK_OK(wt_rmdir(box, "gone/sub"));
  CHECK_OK(wt_rmdir(box, "gone"));
  uint8_t dbuf[256];
  __wasi_size_t used;
  CHECK_OK(__wasi_fd_readdir(gone, dbuf, sizeof dbuf, 0, &used));
  CHECK_ERR(wt_put(gone, "x", "y"), __WASI_ERRNO_NOENT);
  CHECK_ERR(wt_mkdir(gone, "y"), __WASI_ERRNO_NOENT);
  CHECK_ERR(wt_symlink("t", gone, "z"), __WASI_ERRNO_NOENT);
  CHECK_OK(__wasi_fd_close(gone));
  wt_group("removed directory");
}

static void open_flags(void) {
  __wasi_fd_t fd;
  CHECK_ERR(wt_open(box, "nofile", 0, WT_FILE_RO, &fd), __WASI_ERRNO_NOENT);
  CHECK_OK(wt_open(box, "f1", __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd));
  CHECK_OK(wt_write_all(fd, "abcdef", 6));
  CHECK_OK(__wasi_fd_close(fd));
  // creat without excl opens the existing file untouched.
  CHECK_OK(wt_open(box, "f1", __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_STR(wt_get(box, "f1", buf, sizeof buf), "abcdef");
  CHECK_ERR(wt_open(box, "f1", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WT_FILE_RW, &fd), __WASI_ERRNO_EXIST);
  // trunc empties it.
  CHECK_OK(wt_open(box, "f1", __WASI_OFLAGS_TRUNC, WT_FILE_RW, &fd));
  __wasi_filestat_t st;
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.size, 0);
  CHECK_OK(__wasi_fd_close(fd));
  // directory flag.
  CHECK_ERR(wt_open(box, "f1", __WASI_OFLAGS_DIRECTORY, WT_FILE_RO, &fd), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_open(box, "f1/", 0, WT_FILE_RO, &fd), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_open(box, "newdir/", __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd), __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_open(box, "x", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY, WT_FILE_RW, &fd), __WASI_ERRNO_INVAL);
  CHECK_ERR(wt_open(box, "f1", 0x10, WT_FILE_RW, &fd), __WASI_ERRNO_INVAL);
  CHECK_OK(wt_mkdir(box, "dir"));
  // A directory is never writable: with or without O_DIRECTORY, asking for
  // a right that needs a writable descriptor is EISDIR.
  CHECK_ERR(wt_open(box, "dir", __WASI_OFLAGS_DIRECTORY, WT_ALL_RIGHTS, &fd), __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_open(box, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, &fd),
            __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_open(box, "dir", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_ALLOCATE, &fd), __WASI_ERRNO_ISDIR);
  // fd_datasync works on a read-only descriptor, so a directory may have it.
  CHECK_OK(wt_open(box, "dir", 0, __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_READDIR, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(wt_open(box, "dir", __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &fd));
  __wasi_fdstat_t fs;
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK_EQ_U64(fs.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN);
  CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
  // Paths relative to the new directory descriptor.
  CHECK_OK(wt_put(fd, "inner", "inside dir"));
  CHECK_STR(wt_get(box, "dir/inner", buf, sizeof buf), "inside dir");
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_ERR(wt_open(box, "dir", 0, __WASI_RIGHTS_FD_WRITE, &fd), __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_open(box, "dir", __WASI_OFLAGS_TRUNC, WT_FILE_RO, &fd), __WASI_ERRNO_ISDIR);
  // "." and friends name the directory itself.
  CHECK_OK(wt_open(box, ".", __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &fd));
  CHECK_STR(wt_get(fd, "dir/inner", buf, sizeof buf), "inside dir");
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(wt_open(box, "dir/./../dir//.", 0, WT_FILE_RO | __WASI_RIGHTS_FD_READDIR, &fd));
  CHECK_ERR(wt_open(box, "dir/.", 0, WT_ALL_RIGHTS, &fd), __WASI_ERRNO_ISDIR);
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK_EQ_U64(fs.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_ERR(wt_open(box, ".", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WT_FILE_RO, &fd), __WASI_ERRNO_EXIST);
  CHECK_STR(wt_get(box, "./dir//inner", buf, sizeof buf), "inside dir");
  CHECK_ERR(wt_open(box, "", 0, WT_FILE_RO, &fd), __WASI_ERRNO_NOENT);
  // Embedded NUL, bad pointers, bad descriptors.
  CHECK_ERR(raw_path_open(box, 0, P("dir\0x"), 5, 0, WT_FILE_RO, 0, 0, P(&fd)), __WASI_ERRNO_ILSEQ);
  CHECK_ERR(raw_path_open(box, 0, -3, 3, 0, WT_FILE_RO, 0, 0, P(&fd)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_open(box, 0, P("f1"), 2, 0, WT_FILE_RO, 0, 0, -1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_open(1000, 0, P("f1"), 2, 0, WT_FILE_RO, 0, 0, P(&fd)), __WASI_ERRNO_BADF);
  CHECK_ERR(wt_open(0, "f1", 0, WT_FILE_RO, &fd), __WASI_ERRNO_NOTDIR);
  // A long name.
  char longname[300];
  memset(longname, 'n', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  CHECK_ERR(wt_open(box, longname, __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd), __WASI_ERRNO_NAMETOOLONG);
  longname[255] = 0;
  CHECK_OK(wt_open(box, longname, __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(wt_unlink(box, longname));
  wt_group("path_open");
}

static void symlinks(void) {
  __wasi_fd_t fd;
  __wasi_size_t n;
  CHECK_OK(wt_put(box, "target", "the target"));
  CHECK_OK(wt_symlink("target", box, "link"));
  CHECK_ERR(wt_symlink("target", box, "link"), __WASI_ERRNO_EXIST);
  CHECK_ERR(wt_symlink("x", box, "."), __WASI_ERRNO_EXIST);
  CHECK_ERR(wt_symlink("", box, "empty"), __WASI_ERRNO_NOENT);
  CHECK_ERR(raw_path_symlink(-2, 4, box, P("l"), 1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_symlink(P("t"), 1, box, -2, 4), __WASI_ERRNO_FAULT);
  // readlink, also into a short buffer (truncated, like readlink(2)).
  memset(buf, 0, sizeof buf);
  CHECK_OK(wt_readlink(box, "link", buf, sizeof buf, &n));
  CHECK_EQ_U64(n, 6);
  CHECK_STR(buf, "target");
  memset(buf, 0, sizeof buf);
  CHECK_OK(wt_readlink(box, "link", buf, 3, &n));
  CHECK_EQ_U64(n, 3);
  CHECK_STR(buf, "tar");
  CHECK_ERR(wt_readlink(box, "target", buf, sizeof buf, &n), __WASI_ERRNO_INVAL);
  CHECK_ERR(wt_readlink(box, "nothing", buf, sizeof buf, &n), __WASI_ERRNO_NOENT);
  CHECK_ERR(wt_readlink(box, ".", buf, sizeof buf, &n), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_path_readlink(box, P("link"), 4, P(buf), -1, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_readlink(box, P("link"), 4, P(buf), 10, -8), __WASI_ERRNO_FAULT);
  wt_group("path_symlink path_readlink");

  // filestat: follow or not.
  __wasi_filestat_t st, lst;
  CHECK_OK(wt_stat(box, "link", 1, &st));
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ_U64(st.size, 10);
  CHECK_OK(wt_stat(box, "link", 0, &lst));
  CHECK_EQ_U64(lst.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_EQ_U64(lst.size, 6);
  CHECK(lst.ino != st.ino);
  CHECK_ERR(wt_stat(box, "nothing", 1, &st), __WASI_ERRNO_NOENT);
  CHECK_ERR(wt_stat(box, "target/", 1, &st), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(raw_path_filestat_get(box, 1, P("link"), 4, -64), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_filestat_get(box, 1, P("link"), 4, (int32_t)(wt_mem_end() - 32)), __WASI_ERRNO_FAULT);
  wt_group("path_filestat_get");

  // open: follow reaches the target, nofollow refuses the link.
  CHECK_OK(wt_open_ex(box, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", 0, WT_FILE_RO, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_STR(wt_get(box, "link", buf, sizeof buf), "the target");
  CHECK_ERR(wt_open_ex(box, 0, "link", 0, WT_FILE_RO, 0, &fd), __WASI_ERRNO_LOOP);
  // creat|excl on a link fails even when following.
  CHECK_ERR(wt_open(box, "link", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WT_FILE_RW, &fd), __WASI_ERRNO_EXIST);
  // A dangling link with creat creates its target.
  CHECK_OK(wt_symlink("created-through-link", box, "dangling"));
  CHECK_ERR(wt_open(box, "dangling", 0, WT_FILE_RO, &fd), __WASI_ERRNO_NOENT);
  CHECK_OK(wt_open(box, "dangling", __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd));
  CHECK_OK(wt_write_all(fd, "via link", 8));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_STR(wt_get(box, "created-through-link", buf, sizeof buf), "via link");
  // Links to directories, and chains of links, work in the middle of paths.
  CHECK_OK(wt_mkdir(box, "sub"));
  CHECK_OK(wt_mkdir(box, "sub/deeper"));
  CHECK_OK(wt_put(box, "sub/deeper/leaf", "leaf"));
  CHECK_OK(wt_symlink("sub", box, "sublink"));
  CHECK_OK(wt_symlink("sublink/deeper", box, "chain1"));
  CHECK_OK(wt_symlink("chain1/", box, "chain2"));
  CHECK_OK(wt_symlink("../target", box, "sub/up"));
  CHECK_STR(wt_get(box, "sublink/deeper/leaf", buf, sizeof buf), "leaf");
  // A final symlink to a directory is not followed without SYMLINK_FOLLOW.
  CHECK_ERR(wt_open_ex(box, 0, "sublink", __WASI_OFLAGS_DIRECTORY, WT_FILE_RO, 0, &fd), __WASI_ERRNO_LOOP);
  CHECK_ERR(wt_open_ex(box, 0, "sublink", 0, WT_FILE_RO, 0, &fd), __WASI_ERRNO_LOOP);
  CHECK_OK(wt_open_ex(box, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sublink", __WASI_OFLAGS_DIRECTORY, WT_FILE_RO, 0, &fd));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_STR(wt_get(box, "chain2/leaf", buf, sizeof buf), "leaf");
  CHECK_STR(wt_get(box, "chain2/../deeper/leaf", buf, sizeof buf), "leaf");
  CHECK_STR(wt_get(box, "sub/up", buf, sizeof buf), "the target");
  CHECK_STR(wt_get(box, "sublink/up", buf, sizeof buf), "the target");
  CHECK_OK(wt_stat(box, "chain2/", 0, &st));  // a trailing slash follows
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_DIRECTORY);
  // Loops.
  CHECK_OK(wt_symlink("loop2", box, "loop1"));
  CHECK_OK(wt_symlink("loop1", box, "loop2"));
  CHECK_OK(wt_symlink("self/x", box, "self"));
  CHECK_ERR(wt_open(box, "loop1", 0, WT_FILE_RO, &fd), __WASI_ERRNO_LOOP);
  CHECK_ERR(wt_stat(box, "loop2", 1, &st), __WASI_ERRNO_LOOP);
  CHECK_ERR(wt_open(box, "self", 0, WT_FILE_RO, &fd), __WASI_ERRNO_LOOP);
  CHECK_OK(wt_stat(box, "loop1", 0, &st));
  // Unlinking a link leaves its target.
  CHECK_OK(wt_unlink(box, "loop1"));
  CHECK_OK(wt_unlink(box, "sublink"));
  CHECK_OK(wt_stat(box, "sub", 0, &st));
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK_ERR(wt_rmdir(box, "chain1"), __WASI_ERRNO_NOTDIR);
  wt_group("symlinks in path_open and resolution");
}

static void links(void) {
  __wasi_filestat_t st;
  CHECK_OK(wt_put(box, "orig", "shared"));
  CHECK_OK(wt_link(box, 0, "orig", box, "hard"));
  CHECK_OK(wt_stat(box, "orig", 0, &st));
  CHECK_EQ_U64(st.nlink, 2);
  uint64_t ino = st.ino;
  CHECK_OK(wt_stat(box, "hard", 0, &st));
  CHECK_EQ_U64(st.ino, ino);
  // Writing through one name shows through the other.
  CHECK_OK(wt_put(box, "hard", "changed"));
  CHECK_STR(wt_get(box, "orig", buf, sizeof buf), "changed");
  CHECK_ERR(wt_link(box, 0, "orig", box, "hard"), __WASI_ERRNO_EXIST);
  CHECK_ERR(wt_link(box, 0, "nothing", box, "x"), __WASI_ERRNO_NOENT);
  CHECK_OK(wt_mkdir(box, "ldir"));
  CHECK_ERR(wt_link(box, 0, "ldir", box, "ldir2"), __WASI_ERRNO_PERM);
  CHECK_ERR(wt_link(box, 0, "orig", box, "."), __WASI_ERRNO_EXIST);
  // Linking a symlink: without follow the link itself, with follow its target.
  CHECK_OK(wt_symlink("orig", box, "soft"));
  CHECK_OK(wt_link(box, 0, "soft", box, "soft2"));
  CHECK_OK(wt_stat(box, "soft2", 0, &st));
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK_OK(wt_link(box, 1, "soft", box, "hard2"));
  CHECK_OK(wt_stat(box, "hard2", 0, &st));
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ_U64(st.ino, ino);
  CHECK_EQ_U64(st.nlink, 3);
  // Between the two preopens.
  CHECK_OK(wt_link(box, 0, "orig", other, "linked-in-other"));
  CHECK_STR(wt_get(other, "linked-in-other", buf, sizeof buf), "changed");
  CHECK_OK(wt_unlink(other, "linked-in-other"));
  // Unlinking one name keeps the other; an open file outlives its names.
  __wasi_fd_t fd;
  CHECK_OK(wt_open(box, "hard", 0, WT_FILE_RW, &fd));
  CHECK_OK(wt_unlink(box, "orig"));
  CHECK_OK(wt_unlink(box, "hard"));
  CHECK_OK(wt_unlink(box, "hard2"));
  __wasi_filestat_t fst;
  CHECK_OK(__wasi_fd_filestat_get(fd, &fst));
  CHECK_EQ_U64(fst.nlink, 0);
  char c[8] = {0};
  __wasi_iovec_t iov = {(uint8_t*)c, 7};
  __wasi_size_t n;
  CHECK_OK(__wasi_fd_read(fd, &iov, 1, &n));
  CHECK_STR(c, "changed");
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_ERR(raw_path_link(box, 0, -1, 4, box, P("x"), 1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_link(box, 0, P("soft"), 4, box, -1, 4), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_link(box, 0, P("soft"), 4, 1000, P("x"), 1), __WASI_ERRNO_BADF);
  wt_group("path_link");
}

static void renames(void) {
  __wasi_filestat_t st;
  CHECK_OK(wt_put(box, "r1", "one"));
  CHECK_OK(wt_put(box, "r2", "two"));
  CHECK_OK(wt_rename(box, "r1", box, "r3"));
  CHECK_ERR(wt_stat(box, "r1", 0, &st), __WASI_ERRNO_NOENT);
  CHECK_STR(wt_get(box, "r3", buf, sizeof buf), "one");
  // Onto an existing file: replaced.
  CHECK_OK(wt_rename(box, "r3", box, "r2"));
  CHECK_STR(wt_get(box, "r2", buf, sizeof buf), "one");
  CHECK_ERR(wt_rename(box, "r3", box, "r4"), __WASI_ERRNO_NOENT);
  // Directories.
  CHECK_OK(wt_mkdir(box, "rd1"));
  CHECK_OK(wt_put(box, "rd1/in", "in rd1"));
  CHECK_OK(wt_mkdir(box, "rd2"));
  CHECK_OK(wt_rename(box, "rd1", box, "rd2"));  // onto an empty directory
  CHECK_STR(wt_get(box, "rd2/in", buf, sizeof buf), "in rd1");
  CHECK_OK(wt_mkdir(box, "rd3"));
  CHECK_OK(wt_rename(box, "rd3", box, "rd1/"));
  CHECK_ERR(wt_rename(box, "rd1", box, "rd2"), __WASI_ERRNO_NOTEMPTY);
  CHECK_ERR(wt_rename(box, "r2", box, "rd1"), __WASI_ERRNO_ISDIR);
  CHECK_ERR(wt_rename(box, "rd1", box, "r2"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_rename(box, "rd2", box, "rd2/inside"), __WASI_ERRNO_INVAL);
  CHECK_ERR(wt_rename(box, "r2/", box, "r5"), __WASI_ERRNO_NOTDIR);
  CHECK_ERR(wt_rename(box, ".", box, "r6"), __WASI_ERRNO_BUSY);
  // A rename to the same file is nothing.
  CHECK_OK(wt_rename(box, "r2", box, "r2"));
  CHECK_STR(wt_get(box, "r2", buf, sizeof buf), "one");
  // An open descriptor follows the file to its new name.
  __wasi_fd_t fd;
  CHECK_OK(wt_open(box, "r2", 0, WT_FILE_RW, &fd));
  CHECK_OK(wt_rename(box, "r2", box, "rd2/moved"));
  CHECK_OK(wt_write_all(fd, "ONE", 3));
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_STR(wt_get(box, "rd2/moved", buf, sizeof buf), "ONE");
  // Between the two preopens, both ways.
  CHECK_OK(wt_rename(box, "rd2/moved", other, "moved"));
  CHECK_STR(wt_get(other, "moved", buf, sizeof buf), "ONE");
  CHECK_OK(wt_rename(other, "moved", box, "back"));
  CHECK_STR(wt_get(box, "back", buf, sizeof buf), "ONE");
  CHECK_ERR(raw_path_rename(box, -1, 4, box, P("x"), 1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_rename(box, P("back"), 4, box, P("x"), -1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_path_rename(box, P("back"), 4, 2, P("x"), 1), __WASI_ERRNO_NOTDIR);
  wt_group("path_rename");
}

static void times(void) {
  __wasi_filestat_t st;
  const uint64_t t1 = 1000000000ull * 1234567890ull + 111111111ull;
  const uint64_t t2 = 1000000000ull * 1334567890ull + 222222222ull;
  CHECK_OK(wt_put(box, "timed", "t"));
  CHECK_OK(wt_symlink("timed", box, "timed-link"));
  CHECK_OK(raw_path_filestat_set_times(box, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, P("timed-link"), 10, (int64_t)t1,
                                       (int64_t)t2, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(wt_stat(box, "timed", 0, &st));
  CHECK_EQ_U64(st.atim, t1);
  CHECK_EQ_U64(st.mtim, t2);
  // Without follow the link itself changes, not the file.
  CHECK_OK(raw_path_filestat_set_times(box, 0, P("timed-link"), 10, (int64_t)t2, (int64_t)t1,
                                       __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(wt_stat(box, "timed-link", 0, &st));
  CHECK_EQ_U64(st.mtim, t1);
  CHECK_OK(wt_stat(box, "timed", 0, &st));
  CHECK_EQ_U64(st.mtim, t2);
  // now, and omitted.
  uint64_t before = wt_now(__WASI_CLOCKID_REALTIME);
  CHECK_OK(raw_path_filestat_set_times(box, 0, P("timed"), 5, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
  CHECK_OK(wt_stat(box, "timed", 0, &st));
  CHECK(st.atim + 50000000ull >= before);
  CHECK_EQ_U64(st.mtim, t2);
  // A directory.
  CHECK_OK(wt_mkdir(box, "tdir"));
  CHECK_OK(raw_path_filestat_set_times(box, 0, P("tdir"), 4, 0, (int64_t)t1, __WASI_FSTFLAGS_MTIM));
  CHECK_OK(wt_stat(box, "tdir", 0, &st));
  CHECK_EQ_U64(st.mtim, t1);
  // Creating an entry updates the directory's mtime.
  CHECK_OK(wt_put(box, "tdir/new", "n"));
  CHECK_OK(wt_stat(box, "tdir", 0, &st));
  CHECK(st.mtim > t1);
  CHECK_ERR(raw_path_filestat_set_times(box, 0, P("timed"), 5, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
            __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_path_filestat_set_times(box, 0, P("none"), 4, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOENT);
  CHECK_ERR(raw_path_filestat_set_times(box, 0, -5, 5, 0, 0, 0), __WASI_ERRNO_FAULT);
  wt_group("path_filestat_set_times");
}

int main(void) {
  box = wt_preopen("/sandbox");
  other = wt_preopen("/other");
  directories();
  open_flags();
  symlinks();
  links();
  renames();
  times();
  return wt_done();
}
