// Compile throughput of V8 on one module: megabytes of code section per
// second for a synchronous `new WebAssembly.Module(bytes)`. Run it as
//   node --liftoff-only --no-wasm-lazy-compilation --wasm-num-compilation-tasks=0 \
//        --no-wasm-native-module-cache-enabled bench/node_compile.mjs FILE.wasm [ITERATIONS]
// for Liftoff alone, eagerly, on the main thread only. Each compile gets
// different bytes (a custom section carrying a counter is appended) so no
// cache can hand back an earlier result. Each compile is timed by the wall
// clock and by the process's CPU time (with no compilation tasks that is the
// main thread's work, plus whatever V8's own helper threads do meanwhile);
// prints the medians as one line:
//   liftoff compile: 55.0 MB/s (code section 61234 bytes; median 1.110 ms of 200; by cpu time 56.1 MB/s)
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node node_compile.mjs FILE.wasm [ITERATIONS]\n');
  process.exit(2);
}
const original = readFileSync(file);

function codeSectionSize(b) {
  let pos = 8;
  while (pos < b.length) {
    const id = b[pos++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = b[pos++];
      size += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    if (id === 10) return size;
    pos += size;
  }
  return 0;
}

// The module followed by a custom section "bench" whose 4-byte payload is `n`.
const name = Buffer.from('bench');
const variant = Buffer.alloc(original.length + 3 + name.length + 4);
original.copy(variant, 0);
variant[original.length] = 0;                    // custom section
variant[original.length + 1] = 1 + name.length + 4;  // its size (fits one LEB byte)
variant[original.length + 2] = name.length;
name.copy(variant, original.length + 3);
function bytesFor(n) {
  variant.writeUInt32LE(n >>> 0, variant.length - 4);
  return variant;
}

const codeBytes = codeSectionSize(original);
let counter = 0;
function compileOnce() {
  const bytes = bytesFor(counter++);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const module = new WebAssembly.Module(bytes);
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(c0);
  if (!module) throw new Error('no module');
  return [Number(t1 - t0) / 1e9, (cpu.user + cpu.system) / 1e6];
}

let warm = 0;
for (let i = 0; i < 3; i++) warm = compileOnce()[0];
let iterations = parseInt(process.argv[3] || '0', 10);
if (!(iterations > 0)) iterations = Math.min(1000, Math.max(10, Math.floor(2 / Math.max(warm, 1e-6))));
const times = [], cpus = [];
for (let i = 0; i < iterations; i++) {
  const [t, c] = compileOnce();
  times.push(t);
  cpus.push(c);
}
times.sort((a, b) => a - b);
cpus.sort((a, b) => a - b);
const median = times[times.length >> 1], cpuMedian = cpus[cpus.length >> 1];
const liftoffOnly = process.execArgv.includes('--liftoff-only');
console.log(`${liftoffOnly ? 'liftoff' : 'v8'} compile: ${(codeBytes / median / 1e6).toFixed(1)} MB/s ` +
            `(code section ${codeBytes} bytes; median ${(median * 1e3).toFixed(3)} ms of ${times.length}; ` +
            `by cpu time ${(codeBytes / cpuMedian / 1e6).toFixed(1)} MB/s)`);
