// sock_accept, sock_recv, sock_send, sock_shutdown on a listening socket the
// host hands in (tern run --tcplisten HOST:PORT). The harness connects once
// this program prints "ready", then plays its side of the conversation:
//   client: "ping 1234567890"     guest: "pong" + "via fd_write\n"
//   client: "x"                   guest: shuts down its sending side
//   client: "after", then closes  guest: reads it, then end of stream
#include "wt.h"

static __wasi_fd_t find_socket(void) {
  __wasi_fd_t found = (__wasi_fd_t)-1;
  int count = 0;
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_fdstat_t fs;
    if (__wasi_fd_fdstat_get(fd, &fs) != 0) continue;
    if (fs.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) {
      found = fd;
      ++count;
      CHECK(fs.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT);
      __wasi_prestat_t ps;
      CHECK_ERR(__wasi_fd_prestat_get(fd, &ps), __WASI_ERRNO_BADF);  // not a preopen
    }
  }
  CHECK_EQ_U64(count, 1);
  return found;
}

static size_t recv_all(__wasi_fd_t fd, char* buf, size_t want) {
  size_t got = 0;
  while (got < want) {
    __wasi_iovec_t iov = {(uint8_t*)buf + got, want - got};
    __wasi_size_t n;
    __wasi_roflags_t ro;
    if (__wasi_sock_recv(fd, &iov, 1, 0, &n, &ro) != 0 || n == 0) break;
    got += n;
  }
  return got;
}

int main(void) {
  __wasi_fd_t box = wt_preopen("/sandbox");
  __wasi_fd_t lsn = find_socket();
  __wasi_fd_t file;
  CHECK_OK(wt_open(box, "not-a-socket", __WASI_OFLAGS_CREAT, WT_FILE_RW, &file));
  __wasi_fd_t conn;
  __wasi_size_t n;
  __wasi_roflags_t ro;
  char buf[64];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};

  // Errors before anyone connects.
  CHECK_ERR(__wasi_sock_accept(file, 0, &conn), __WASI_ERRNO_NOTSOCK);
  CHECK_ERR(__wasi_sock_accept(box, 0, &conn), __WASI_ERRNO_NOTSOCK);
  CHECK_ERR(__wasi_sock_accept(999, 0, &conn), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_sock_accept(lsn, __WASI_FDFLAGS_APPEND, &conn), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_sock_accept(lsn, 0, -4), __WASI_ERRNO_FAULT);
  // With the listening socket non-blocking, nobody waiting means EAGAIN.
  CHECK_OK(__wasi_fd_fdstat_set_flags(lsn, __WASI_FDFLAGS_NONBLOCK));
  CHECK_ERR(__wasi_sock_accept(lsn, 0, &conn), __WASI_ERRNO_AGAIN);
  CHECK_OK(__wasi_fd_fdstat_set_flags(lsn, 0));
  CHECK_ERR(__wasi_sock_recv(file, &iov, 1, 0, &n, &ro), __WASI_ERRNO_NOTSOCK);
  CHECK_ERR(__wasi_sock_send(file, (__wasi_ciovec_t*)&iov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
  CHECK_ERR(__wasi_sock_shutdown(file, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
  CHECK_ERR(__wasi_sock_recv(lsn, &iov, 1, 0, &n, &ro), __WASI_ERRNO_NOTCONN);
  wt_group("before connecting");
  printf("ready\n");
  fflush(stdout);

  // Wait for the client with poll_oneoff, then accept.
  __wasi_subscription_t subs[2];
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 1;
  subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subs[0].u.u.fd_read.file_descriptor = lsn;
  subs[1].userdata = 2;
  subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[1].u.u.clock.timeout = 20000000000ull;
  __wasi_event_t ev[2];
  CHECK_OK(__wasi_poll_oneoff(subs, ev, 2, &n));
  CHECK(n == 1 && ev[0].userdata == 1 && ev[0].error == 0);
  CHECK_OK(__wasi_sock_accept(lsn, 0, &conn));
  __wasi_fdstat_t fs;
  CHECK_OK(__wasi_fd_fdstat_get(conn, &fs));
  CHECK_EQ_U64(fs.fs_filetype, __WASI_FILETYPE_SOCKET_STREAM);
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_SOCK_SHUTDOWN);
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_READ);
  CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
  __wasi_filesize_t pos;
  CHECK_ERR(__wasi_fd_seek(conn, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_SPIPE);
  wt_group("sock_accept");

  // Peek, then read the 15 bytes into two buffers.
  char a[5], b[32];
  memset(b, 0, sizeof b);
  __wasi_iovec_t peek = {(uint8_t*)a, 4};
  CHECK_OK(__wasi_sock_recv(conn, &peek, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &ro));
  CHECK(n >= 1 && memcmp(a, "ping", n) == 0);
  __wasi_iovec_t two[2] = {{(uint8_t*)a, 5}, {(uint8_t*)b, 10}};
  CHECK_OK(__wasi_sock_recv(conn, two, 2, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro));
  CHECK_EQ_U64(n, 15);
  CHECK_EQ_U64(ro, 0);
  CHECK(memcmp(a, "ping ", 5) == 0);
  CHECK_STR(b, "1234567890");
  CHECK_ERR(__wasi_sock_recv(conn, &iov, 1, 4, &n, &ro), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_sock_recv(conn, P(&iov), 1, 0, -4, P(&ro)), __WASI_ERRNO_FAULT);
  wt_group("sock_recv");

  __wasi_ciovec_t out[2] = {{(const uint8_t*)"po", 2}, {(const uint8_t*)"ng", 2}};
  CHECK_OK(__wasi_sock_send(conn, out, 2, 0, &n));
  CHECK_EQ_U64(n, 4);
  CHECK_ERR(__wasi_sock_send(conn, out, 2, 1, &n), __WASI_ERRNO_INVAL);
  CHECK_OK(wt_write_all(conn, "via fd_write\n", 13));
  wt_group("sock_send");

  // fd_read works on a socket too.
  memset(buf, 0, sizeof buf);
  __wasi_iovec_t one = {(uint8_t*)buf, 1};
  CHECK_OK(__wasi_fd_read(conn, &one, 1, &n));
  CHECK_EQ_U64(n, 1);
  CHECK_STR(buf, "x");
  CHECK_ERR(__wasi_sock_shutdown(conn, 0), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_sock_shutdown(conn, 4), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR));
  // Our side is shut for writing; reading still works.
  CHECK(__wasi_sock_send(conn, out, 1, 0, &n) == __WASI_ERRNO_PIPE);
  memset(buf, 0, sizeof buf);
  CHECK_EQ_U64(recv_all(conn, buf, 5), 5);
  CHECK_STR(buf, "after");
  CHECK_OK(__wasi_sock_recv(conn, &iov, 1, 0, &n, &ro));
  CHECK_EQ_U64(n, 0);  // the client closed
  CHECK_OK(__wasi_fd_close(conn));
  wt_group("sock_shutdown");
  return wt_done();
}
