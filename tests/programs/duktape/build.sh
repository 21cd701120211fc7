# Duktape: the duk command line tool (examples/cmdline) on the single-file
# distribution, with the print()/alert() and console extras as in the upstream
# Makefile.cmdline. Errors are longjmps (see common/include/setjmp.h): the
# script throws nothing.
cd "$SRC"
$CC $CFLAGS -Isrc -Iexamples/cmdline \
  -DDUK_CMDLINE_PRINTALERT_SUPPORT -Iextras/print-alert \
  -DDUK_CMDLINE_CONSOLE_SUPPORT -Iextras/console \
  src/duktape.c examples/cmdline/duk_cmdline.c \
  extras/print-alert/duk_print_alert.c extras/console/duk_console.c \
  $COMPAT -o "$BIN" $LIBS -lm
