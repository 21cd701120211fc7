/*
** The operating-system layer for SQLite built with -DSQLITE_OS_OTHER=1 in
** tern's real-program test suite (tests/programs). Written for this suite.
**
** wasi-libc has no file locking and no mmap, so instead of the unix VFS this
** registers "tern-mem", a VFS whose files live in malloc'ed memory: enough for
** an ":memory:" database plus the temporary files SQLite opens behind it
** (sorter spill files, statement journals). Named files persist until they
** are deleted or the process exits; nothing touches the host filesystem.
**
** It is deterministic on purpose, so that a native build and a wasm build
** print the same bytes: xRandomness gives a fixed byte sequence, and the
** clock is frozen at 2000-01-01 00:00:00 UTC (so speedtest1's per-test
** timings print as 0.000s instead of being stripped from the output).
*/
#include "sqlite3.h"
#include <stdlib.h>
#include <string.h>

typedef struct MemNode MemNode;
struct MemNode {
  char *zName;          /* NULL for an anonymous temporary file */
  unsigned char *a;     /* contents */
  sqlite3_int64 n;      /* bytes in use */
  sqlite3_int64 nAlloc; /* bytes allocated */
  int nRef;             /* open handles */
  int deleteOnClose;
  MemNode *pNext; /* list of named files */
};

typedef struct MemFile MemFile;
struct MemFile {
  sqlite3_file base;
  MemNode *pNode;
};

static MemNode *g_files = 0;

static MemNode *findNode(const char *zName) {
  MemNode *p;
  for (p = g_files; p; p = p->pNext) {
    if (strcmp(p->zName, zName) == 0) return p;
  }
  return 0;
}

static void unlinkNode(MemNode *pNode) {
  MemNode **pp;
  for (pp = &g_files; *pp; pp = &(*pp)->pNext) {
    if (*pp == pNode) {
      *pp = pNode->pNext;
      return;
    }
  }
}

static void freeNode(MemNode *p) {
  free(p->a);
  free(p->zName);
  free(p);
}

static int memClose(sqlite3_file *pFile) {
  MemNode *p = ((MemFile *)pFile)->pNode;
  if (--p->nRef == 0 && (p->zName == 0 || p->deleteOnClose)) {
    if (p->zName) unlinkNode(p);
    freeNode(p);
  }
  return SQLITE_OK;
}

static int memRead(sqlite3_file *pFile, void *zBuf, int iAmt, sqlite3_int64 iOfst) {
  MemNode *p = ((MemFile *)pFile)->pNode;
  sqlite3_int64 avail = p->n - iOfst;
  if (avail <= 0) {
    memset(zBuf, 0, iAmt);
    return SQLITE_IOERR_SHORT_READ;
  }
  if (avail < iAmt) {
    memcpy(zBuf, p->a + iOfst, (size_t)avail);
    memset((char *)zBuf + avail, 0, (size_t)(iAmt - avail));
    return SQLITE_IOERR_SHORT_READ;
  }
  memcpy(zBuf, p->a + iOfst, iAmt);
  return SQLITE_OK;
}

static int growNode(MemNode *p, sqlite3_int64 nNeed) {
  if (nNeed > p->nAlloc) {
    sqlite3_int64 nNew = p->nAlloc ? p->nAlloc * 2 : 4096;
    unsigned char *aNew;
    while (nNew < nNeed) nNew *= 2;
    aNew = realloc(p->a, (size_t)nNew);
    if (aNew == 0) return SQLITE_IOERR_NOMEM;
    p->a = aNew;
    p->nAlloc = nNew;
  }
  return SQLITE_OK;
}

static int memWrite(sqlite3_file *pFile, const void *z, int iAmt, sqlite3_int64 iOfst) {
  MemNode *p = ((MemFile *)pFile)->pNode;
  sqlite3_int64 nEnd = iOfst + iAmt;
  if (growNode(p, nEnd)) return SQLITE_IOERR_WRITE;
  if (iOfst > p->n) memset(p->a + p->n, 0, (size_t)(iOfst - p->n));
  memcpy(p->a + iOfst, z, iAmt);
  if (nEnd > p->n) p->n = nEnd;
  return SQLITE_OK;
}

static int memTruncate(sqlite3_file *pFile, sqlite3_int64 size) {
  MemNode *p = ((MemFile *)pFile)->pNode;
  if (size < p->n) p->n = size;
  return SQLITE_OK;
}

static int memSync(sqlite3_file *pFile, int flags) {
  (void)pFile;
  (void)flags;
  return SQLITE_OK;
}

static int memFileSize(sqlite3_file *pFile, sqlite3_int64 *pSize) {
  *pSize = ((MemFile *)pFile)->pNode->n;
  return SQLITE_OK;
}

static int memLock(sqlite3_file *pFile, int eLock) {
  (void)pFile;
  (void)eLock;
  return SQLITE_OK;
}

static int memCheckReservedLock(sqlite3_file *pFile, int *pResOut) {
  (void)pFile;
  *pResOut = 0;
  return SQLITE_OK;
}

static int memFileControl(sqlite3_file *pFile, int op, void *pArg) {
  (void)pFile;
  (void)op;
  (void)pArg;
  return SQLITE_NOTFOUND;
}

static int memSectorSize(sqlite3_file *pFile) {
  (void)pFile;
  return 512;
}

static int memDeviceCharacteristics(sqlite3_file *pFile) {
  (void)pFile;
  return SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static const sqlite3_io_methods memIoMethods = {1, /* iVersion: no shared memory, no mmap */
                                                memClose,
                                                memRead,
                                                memWrite,
                                                memTruncate,
                                                memSync,
                                                memFileSize,
                                                memLock,
                                                memLock, /* xUnlock */
                                                memCheckReservedLock,
                                                memFileControl,
                                                memSectorSize,
                                                memDeviceCharacteristics,
                                                0,
                                                0,
                                                0,
                                                0,
                                                0,
                                                0};

static int memOpen(sqlite3_vfs *pVfs, const char *zName, sqlite3_file *pFile, int flags, int *pOutFlags) {
  MemFile *pF = (MemFile *)pFile;
  MemNode *p = zName ? findNode(zName) : 0;
  (void)pVfs;
  pF->base.pMethods = 0;
  if (p == 0) {
    if (zName && (flags & SQLITE_OPEN_CREATE) == 0) return SQLITE_CANTOPEN;
    p = calloc(1, sizeof(*p));
    if (p == 0) return SQLITE_NOMEM;
    if (zName) {
      p->zName = malloc(strlen(zName) + 1);
      if (p->zName == 0) {
        free(p);
        return SQLITE_NOMEM;
      }
      strcpy(p->zName, zName);
      p->pNext = g_files;
      g_files = p;
    }
  }
  if (flags & SQLITE_OPEN_DELETEONCLOSE) p->deleteOnClose = 1;
  p->nRef++;
  pF->pNode = p;
  pF->base.pMethods = &memIoMethods;
  if (pOutFlags) *pOutFlags = flags;
  return SQLITE_OK;
}

static int memDelete(sqlite3_vfs *pVfs, const char *zName, int syncDir) {
  MemNode *p = findNode(zName);
  (void)pVfs;
  (void)syncDir;
  if (p == 0) return SQLITE_IOERR_DELETE_NOENT;
  unlinkNode(p);
  if (p->nRef == 0) {
    freeNode(p);
  } else {
    /* Still open: becomes anonymous and goes away on the last close. */
    free(p->zName);
    p->zName = 0;
  }
  return SQLITE_OK;
}

static int memAccess(sqlite3_vfs *pVfs, const char *zName, int flags, int *pResOut) {
  (void)pVfs;
  (void)flags;
  *pResOut = findNode(zName) != 0;
  return SQLITE_OK;
}

static int memFullPathname(sqlite3_vfs *pVfs, const char *zName, int nOut, char *zOut) {
  (void)pVfs;
  sqlite3_snprintf(nOut, zOut, "%s", zName);
  return SQLITE_OK;
}

/* A fixed xorshift sequence: SQLite seeds its PRNG from this. */
static int memRandomness(sqlite3_vfs *pVfs, int nByte, char *zOut) {
  unsigned int x = 2463534242u;
  int i;
  (void)pVfs;
  for (i = 0; i < nByte; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    zOut[i] = (char)(x & 0xff);
  }
  return nByte;
}

static int memSleep(sqlite3_vfs *pVfs, int microseconds) {
  (void)pVfs;
  return microseconds;
}

/* 2000-01-01 00:00:00 UTC as a Julian day number. */
#define FROZEN_JULIAN_DAY 2451544.5

static int memCurrentTimeInt64(sqlite3_vfs *pVfs, sqlite3_int64 *pTime) {
  (void)pVfs;
  *pTime = (sqlite3_int64)(FROZEN_JULIAN_DAY * 86400000.0);
  return SQLITE_OK;
}

static int memCurrentTime(sqlite3_vfs *pVfs, double *pTime) {
  (void)pVfs;
  *pTime = FROZEN_JULIAN_DAY;
  return SQLITE_OK;
}

static int memGetLastError(sqlite3_vfs *pVfs, int nBuf, char *zBuf) {
  (void)pVfs;
  if (nBuf > 0) zBuf[0] = 0;
  return 0;
}

static sqlite3_vfs memVfs = {2, /* iVersion: has xCurrentTimeInt64 */
                             sizeof(MemFile),
                             512, /* mxPathname */
                             0,   /* pNext */
                             "tern-mem",
                             0, /* pAppData */
                             memOpen,
                             memDelete,
                             memAccess,
                             memFullPathname,
                             0,
                             0,
                             0,
                             0, /* no loadable extensions */
                             memRandomness,
                             memSleep,
                             memCurrentTime,
                             memGetLastError,
                             memCurrentTimeInt64,
                             0,
                             0,
                             0};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&memVfs, 1); }

int sqlite3_os_end(void) { return SQLITE_OK; }
