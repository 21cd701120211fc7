# Lua 5.4: the standalone interpreter (lua.c) with the core and the standard
# libraries, in the portable ANSI C configuration (no LUA_USE_POSIX: no popen,
# mkstemp or dlopen), the same for both targets.
#  - wasm has no setjmp: common/include/setjmp.h makes errors abort, so the
#    scripts raise no errors and do not yield from coroutines (a yield is a
#    longjmp in Lua 5.4's C API).
#  - table.sort picks pivots with clock() and time() for large arrays; a fixed
#    l_randomizePivot keeps sorting deterministic.
#  - os.tmpname is disabled (fails); Debian's luaconf.h wants a generated
#    lua5.4-deb-multiarch.h, written here.
echo '#define DEB_HOST_MULTIARCH "tern-programs"' > lua5.4-deb-multiarch.h
srcs=()
for f in "$SRC"/src/*.c; do
  case "$(basename "$f")" in luac.c) ;; *) srcs+=("$f") ;; esac
done
$CC $CFLAGS -I. -DLUA_COMPAT_5_3 '-Dl_randomizePivot()=0' \
  -DLUA_TMPNAMBUFSIZE=32 '-Dlua_tmpnam(b,e)={ e = 1; }' \
  "${srcs[@]}" $COMPAT -o "$BIN" $LIBS -lm
