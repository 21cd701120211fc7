# zlib: the library and its test/minigzip.c (gzip on stdin/stdout).
cd "$SRC"
$CC $CFLAGS -DHAVE_UNISTD_H -I. \
  adler32.c compress.c crc32.c deflate.c gzclose.c gzlib.c gzread.c gzwrite.c \
  infback.c inffast.c inflate.c inftrees.c trees.c uncompr.c zutil.c \
  test/minigzip.c $COMPAT -o "$BIN" $LIBS
