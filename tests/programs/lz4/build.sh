# lz4: the library and the lz4 command line tool (programs/).
cd "$SRC"
$CC $CFLAGS -Ilib \
  lib/lz4.c lib/lz4hc.c lib/lz4frame.c lib/xxhash.c \
  programs/lz4cli.c programs/lz4io.c programs/bench.c programs/datagen.c \
  $COMPAT -o "$BIN" $LIBS
