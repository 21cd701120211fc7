# brotli: the library and the brotli command (c/tools/brotli.c).
cd "$SRC"
$CC $CFLAGS -Ic/include c/common/*.c c/enc/*.c c/dec/*.c c/tools/brotli.c \
  $COMPAT -o "$BIN" $LIBS -lm
