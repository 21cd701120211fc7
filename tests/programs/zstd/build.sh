# zstd: the library and the zstd command, single-threaded, without the
# benchmark, dictionary builder, tracing and legacy formats. wasm32-wasi
# defines no __unix__, so the POSIX level is given explicitly (both targets).
cd "$SRC"
$CC $CFLAGS -DPLATFORM_POSIX_VERSION=200809L -Ilib -Ilib/common \
  -DZSTD_NOBENCH -DZSTD_NODICT -DZSTD_NOTRACE -DZSTD_LEGACY_SUPPORT=0 \
  -DBACKTRACE_ENABLE=0 -DZSTD_DISABLE_ASM \
  lib/common/*.c lib/compress/*.c lib/decompress/*.c \
  programs/zstdcli.c programs/fileio.c programs/fileio_asyncio.c programs/util.c programs/timefn.c \
  $COMPAT -o "$BIN" $LIBS
