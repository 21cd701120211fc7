// Runs a WASI command module on node's V8, the way `tern run` does:
//   node [V8 FLAGS] --no-warnings bench/node_run.mjs FILE.wasm [ARGS...]
// The guest sees argv = [FILE.wasm, ARGS...], an empty environment and the
// process's stdio; its exit code becomes node's. Compilation is whatever the
// V8 flags make it (e.g. --liftoff-only: Liftoff code only, never TurboFan).
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node node_run.mjs FILE.wasm [ARGS...]\n');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = new WebAssembly.Module(readFileSync(file));
const instance = new WebAssembly.Instance(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
