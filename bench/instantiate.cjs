// The same request loop on V8 (node): instantiate the compiled module, call
// `run`, drop the instance. Prints microseconds per request (median).
const fs = require('fs');
const bytes = fs.readFileSync(process.argv[2]);
const iterations = parseInt(process.argv[3] || '20000', 10);
const compiled = new WebAssembly.Module(bytes);
let checksum = 0;
function request(i) {
  const inst = new WebAssembly.Instance(compiled, {});
  checksum += inst.exports.run(i & 15);
}
for (let i = 0; i < 1000; i++) request(i);
const rounds = [];
for (let r = 0; r < 7; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) request(i);
  const t1 = process.hrtime.bigint();
  rounds.push(Number(t1 - t0) / 1000 / iterations);
}
rounds.sort((a, b) => a - b);
console.log(`node instantiate+call: ${rounds[3].toFixed(2)} us (median of 7 rounds of ${iterations}; checksum ${checksum})`);
