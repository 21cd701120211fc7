// Runs a WASI command module on node's V8, the way `tern run` does:
//   node [V8 FLAGS] --no-warnings bench/node_run.mjs [--time] [--dir DIR]... FILE.wasm [ARGS...]
// The guest sees argv = [FILE.wasm, ARGS...], an empty environment and the
// process's stdio; its exit code becomes node's. Each --dir DIR preopens the
// host directory DIR under the same name, as `tern run --dir DIR` does (so
// `--dir .` lets the guest open paths relative to node's working directory).
// --time prints `node_run: N ms` on stderr at the end: the time from before
// the module is compiled to after the guest's _start returns, measured with
// performance.now() (node's own start-up excluded; bench/startup.py).
// Compilation is whatever the V8 flags make it (e.g. --liftoff-only: Liftoff
// code only, never TurboFan).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { WASI } from 'node:wasi';

// Node calls its WASI functions through V8's fast API calls, and a WASI call
// that allocates (fd_write does) can start a garbage collection inside one,
// which V8 does not allow: node then aborts or crashes at random, more often
// the more a guest writes (nodejs/node#46777; zstd -19 and brotli -q 9 on
// 1 MB hit it every time with node 20). Without fast calls the WASI
// functions are called the ordinary way. Set before the module is
// instantiated, when the import wrappers are made.
setFlagsFromString('--no-turbo-fast-api-calls');

const argv = process.argv.slice(2);
const time = argv[0] === '--time';
if (time) argv.shift();
const preopens = {};
while (argv.length >= 2 && argv[0] === '--dir') {
  preopens[argv[1]] = argv[1];
  argv.splice(0, 2);
}
const [file, ...args] = argv;
if (!file) {
  process.stderr.write('usage: node node_run.mjs [--time] [--dir DIR]... FILE.wasm [ARGS...]\n');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens, returnOnExit: true });
const bytes = readFileSync(file);
const t0 = performance.now();
const module = new WebAssembly.Module(bytes);
const instance = new WebAssembly.Instance(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
if (time) process.stderr.write(`node_run: ${(performance.now() - t0).toFixed(3)} ms\n`);
