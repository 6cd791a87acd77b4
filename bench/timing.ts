// SPDX-License-Identifier: MIT
// How every figure in the bench is taken: warm up (so V8 tiers the wasm and JS up to
// TurboFan), calibrate how many calls fill one timed run, then take the median of several
// runs. Timing lives in bench/ only, never in tests/.

const now = () => performance.now();

export interface MeasureOptions {
  /** Warm-up wall time in ms (at least `warmupCalls` calls). Default 300. */
  warmupMs?: number;
  warmupCalls?: number;
  /** Timed runs; the median is reported. Default 7. */
  runs?: number;
  /** Each run repeats the call until at least this long (ms). Default 150. */
  minRunMs?: number;
  /** Cap on the whole measurement (ms): fewer runs, never fewer than 3. Default 8000. */
  budgetMs?: number;
}

export interface Measurement {
  /** Median seconds per call. */
  seconds: number;
  /** Calls per timed run, and timed runs. */
  calls: number;
  runs: number;
  /** Spread of the runs: (max − min) / median. */
  spread: number;
  /** Seconds per call of the fastest run (a ceiling, such as the peak, is its best run: load only lowers it). */
  best?: number;
}

/** Median seconds per call of `fn`, after warming up. */
export function measure(fn: () => void, options: MeasureOptions = {}): Measurement {
  const { warmupMs = 300, warmupCalls = 2, minRunMs = 150, budgetMs = 8000 } = options;
  let runs = options.runs ?? 7;
  let t0 = now();
  let done = 0;
  while (done < warmupCalls || now() - t0 < warmupMs) {
    fn();
    done++;
  }
  const perCall = Math.max((now() - t0) / done, 1e-6);
  const calls = Math.max(1, Math.ceil(minRunMs / perCall));
  runs = Math.max(3, Math.min(runs, Math.floor(budgetMs / (calls * perCall))));
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    t0 = now();
    for (let c = 0; c < calls; c++) fn();
    times.push((now() - t0) / 1000 / calls);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  return { seconds: median, calls, runs, spread: (times[times.length - 1] - times[0]) / median, best: times[0] };
}

/**
 * Median seconds per call of `withPart` minus `without` (the same call less one part), the two
 * timed in alternating runs so that a burst of someone else's work costs both alike: how a pass
 * with no call of its own is timed (simdcnn's backward-data: conv2dBackwardInto with dx, less
 * the same call without). `spread` is that of the per-run differences.
 */
export function measureDifference(withPart: () => void, without: () => void, options: MeasureOptions = {}): Measurement {
  const { warmupMs = 300, warmupCalls = 2, minRunMs = 150, budgetMs = 8000 } = options;
  let runs = options.runs ?? 7;
  let t0 = now();
  let done = 0;
  while (done < warmupCalls || now() - t0 < warmupMs) {
    withPart();
    without();
    done++;
  }
  const perPair = Math.max((now() - t0) / done, 1e-6);
  const calls = Math.max(1, Math.ceil(minRunMs / perPair));
  runs = Math.max(3, Math.min(runs, Math.floor(budgetMs / (calls * perPair))));
  const diffs: number[] = [];
  for (let r = 0; r < runs; r++) {
    t0 = now();
    for (let c = 0; c < calls; c++) withPart();
    const t1 = now();
    for (let c = 0; c < calls; c++) without();
    diffs.push((t1 - t0 - (now() - t1)) / 1000 / calls);
  }
  diffs.sort((a, b) => a - b);
  const median = diffs[diffs.length >> 1];
  return { seconds: median, calls, runs, spread: (diffs[diffs.length - 1] - diffs[0]) / median };
}

/**
 * Same, for asynchronous calls (tfjs's model.fit, onnxruntime's session.run). By default one
 * call per run after one warm-up call; with `minRunMs` each run repeats the call until at
 * least that long, as measure() does.
 */
export async function measureAsync(fn: () => Promise<void>, options: MeasureOptions = {}): Promise<Measurement> {
  const { warmupCalls = 1, minRunMs = 0 } = options;
  let t0 = now();
  for (let i = 0; i < warmupCalls; i++) await fn();
  const perCall = Math.max((now() - t0) / Math.max(warmupCalls, 1), 1e-6);
  const calls = Math.max(1, Math.ceil(minRunMs / perCall));
  const times: number[] = [];
  const runs = options.runs ?? 3;
  for (let r = 0; r < runs; r++) {
    t0 = now();
    for (let c = 0; c < calls; c++) await fn();
    times.push((now() - t0) / 1000 / calls);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  return { seconds: median, calls, runs, spread: (times[times.length - 1] - times[0]) / median };
}

/**
 * Starts a CPU meter; calling the function it returns gives how many cores the process kept
 * busy since: CPU seconds (user + system, of every thread in the process, Node's worker
 * threads and wasm pthreads included) over wall seconds. ≈ 1 for one thread, ≈ 2 when two
 * threads both work: the check that a "2 threads" figure really ran on two.
 * @example const cores = busyCores(); measure(fn); const used = cores();
 */
export function busyCores(): () => number {
  const cpu0 = process.cpuUsage();
  const t0 = now();
  return () => {
    const { user, system } = process.cpuUsage(cpu0);
    return (user + system) / 1000 / Math.max(now() - t0, 1e-3);
  };
}

/** Deterministic pseudo-random floats in [-1, 1) (no dependency on the library under test). */
export function randomArray(n: number, seed = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

/** Deterministic labels in [0, classes). */
export function randomLabels(n: number, classes: number, seed = 7): Int32Array {
  const u = randomArray(n, seed);
  return Int32Array.from(u, (v) => Math.min(classes - 1, Math.floor(((v + 1) / 2) * classes)));
}
