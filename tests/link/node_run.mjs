// Runs a module in node for link_test.py: its _start under node's WASI
// (exit status from proc_exit), or one export without arguments whose
// results are printed one a line, as `tern run --invoke` prints integers.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, invoke] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
if (invoke === undefined) {
  process.exitCode = wasi.start(instance);
} else {
  const r = instance.exports[invoke]();
  for (const v of Array.isArray(r) ? r : r === undefined ? [] : [r]) process.stdout.write(`${v}\n`);
}
