// Workload for tests/traces/node/node-gc.log: allocate and drop large JS arrays,
// typed arrays and Buffers (V8 heap pages and array-buffer backing stores),
// forcing full GCs in between so V8 frees/discards pages.
'use strict';
const rounds = 6;
for (let r = 0; r < rounds; r++) {
  let keep = [];
  for (let i = 0; i < 40; i++) {
    keep.push(new Array(64 * 1024).fill(i));          // ~512 KB each on the V8 heap
    keep.push(Buffer.alloc(256 * 1024, i));            // 256 KB off-heap backing store
  }
  keep.push(new Float64Array(8 * 1024 * 1024));       // 64 MB backing store (mmap'd)
  keep = null;
  global.gc();                                         // full mark-compact
  global.gc();
}
const big = Buffer.allocUnsafeSlow(32 * 1024 * 1024);
big.fill(1);
global.gc();
console.log('rss MiB', Math.round(process.memoryUsage().rss / 1048576));
