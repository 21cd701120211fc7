# bzip2: the library and the bzip2 command (as the upstream Makefile builds it).
cd "$SRC"
$CC $CFLAGS -D_FILE_OFFSET_BITS=64 \
  blocksort.c huffman.c crctable.c randtable.c compress.c decompress.c bzlib.c \
  bzip2.c $COMPAT -o "$BIN" $LIBS
