# MuJS: the mujs interpreter (one.c is the whole library, main.c the shell).
# Errors are longjmps (see common/include/setjmp.h): the script throws nothing.
cd "$SRC"
$CC $CFLAGS one.c main.c $COMPAT -o "$BIN" $LIBS -lm
