# zlib's library with fuzz.c (next to this script): the library's functions
# called with random arguments, seed by seed.
cd "$SRC"
$CC $CFLAGS -DHAVE_UNISTD_H -I. \
  adler32.c compress.c crc32.c deflate.c infback.c inffast.c inflate.c inftrees.c trees.c \
  uncompr.c zutil.c "$HERE/fuzz.c" $COMPAT -o "$BIN" $LIBS
