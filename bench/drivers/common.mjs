// Shared by the Node drivers: argument parsing, timing, and the one-line JSON result.
export const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')).map(([k, ...v]) => [k, v.join('=')]));
export const now = () => performance.timeOrigin + performance.now();
export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
export function report(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/**
 * Runs `op` with `concurrency` workers for `durationMs`, after the same load for `warmupMs` (default: the
 * `warmupMs` argument, else 1000) whose figures are dropped; ops/s and latency quantiles. Every contender
 * warms up the same way, so the figures are steady-state ones (JIT-compiled, pools open); the cold
 * start scenario measures the rest.
 */
export async function throughput(op, concurrency, durationMs, warmupMs = Number(args.warmupMs ?? 1000)) {
  if (warmupMs > 0) await measure(op, concurrency, warmupMs);
  return measure(op, concurrency, durationMs);
}

async function measure(op, concurrency, durationMs) {
  const latencies = [];
  const deadline = now() + durationMs;
  const started = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline) {
        const t0 = now();
        await op();
        latencies.push(now() - t0);
      }
    }),
  );
  const seconds = (now() - started) / 1000;
  return { opsPerSec: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), ops: latencies.length };
}

/** Content published by the orchestrator carries its send time: `seq=<n>;t=<epoch ms>`. */
export function latencyOf(content) {
  const m = /seq=(\d+);t=([\d.]+)/.exec(content);
  return m ? { seq: Number(m[1]), ms: now() - Number(m[2]) } : undefined;
}
