// SPDX-License-Identifier: MIT
// The browser demo in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): the page fetches the bundled IDX files, trains LeNet-5 in the page,
// reports test accuracy and draws the prediction grid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import * as cnn from '../../src/index.js';
// @ts-expect-error: plain ESM script without types
import { serve } from '../../scripts/serve.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;
let server: { close(): void };
let url: string;

beforeAll(async () => {
  await cnn.ready();
  ({ url, server } = await serve(0));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('browser demo', () => {
  it('trains LeNet-5 in the page on relaxed SIMD and shows ten predictions', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/examples/browser/?epochs=1&limit=2000&autostart=1`);
    await page.waitForFunction(() => /^(done|error)/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 90_000 });
    const status = await page.textContent('#status');
    expect(errors).toEqual([]);
    expect(status).toMatch(/^done: test accuracy \d+\.\d\d%$/);
    expect(Number(status!.match(/([\d.]+)%/)![1])).toBeGreaterThan(50);
    expect(await page.textContent('#log')).toMatch(/epoch 1: train loss \d\.\d{4}, test accuracy/);
    expect(await page.locator('#grid figure').count()).toBe(10);
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/simdcnn-browser-demo.png`, fullPage: true });
    await page.close();
  });

  it('reports which build it runs: relaxed SIMD in Chromium, on threads (the server sends COOP/COEP)', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/examples/browser/`);
    await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 30_000 });
    const threads = await page.evaluate(() => navigator.hardwareConcurrency);
    const shown = Math.min(threads, 8) === 1 ? '1 thread' : `${Math.min(threads, 8)} threads`;
    expect(await page.textContent('#status')).toBe(`ready: wasm relaxed, ${shown}, 10000 training and 2000 test images`);
    await page.close();
  });
});

/**
 * Dropout masks drawn in the engine at hand: ops.dropout on 10,000 values with seed 77, and
 * the mask a dropout layer drew in a model's first trainBatch (model seed 5), as bit patterns.
 * The same function runs in Node (on src/) and in Chromium (on the dist bundle).
 */
async function masks(lib: typeof cnn): Promise<{ op: number[]; layer: number[]; isa: string | null }> {
  await lib.ready();
  const x = lib.tensor(Float32Array.from({ length: 10000 }, (_, i) => 1 + (i % 7)), [100, 100]);
  const { mask } = lib.ops.dropout(x, { rate: 0.4, seed: 77 });
  const model = lib.sequential([lib.layers.flatten(), lib.layers.dropout({ rate: 0.5 }), lib.layers.dense({ units: 3 })], { inputShape: [2, 4, 4], seed: 5 });
  model.compile({ optimizer: lib.optim.sgd({ lr: 0.1 }), batchSize: 4 });
  const xb = lib.tensor(Float32Array.from({ length: 128 }, (_, i) => Math.cos(i)), [4, 2, 4, 4]);
  model.trainBatch(xb, lib.tensor(new Int32Array([0, 1, 2, 1]), [4]));
  const layerMask = model.plan.bind(4, true).ios[1].buffers[0] as typeof x;
  const bits = (t: typeof x) => Array.from(new Uint32Array(t.toArray().buffer));
  return { op: bits(mask), layer: bits(layerMask), isa: lib.activeIsa() };
}

describe('dropout in Chromium', () => {
  it('draws the same masks as Node from the same seeds (op and layer), on the other build', async () => {
    const node = await masks(cnn);
    const page = await browser.newPage();
    await page.goto(`${url}/examples/browser/`);
    // A string, so that vitest's transform leaves the page's own dynamic import alone.
    const script = `import('/dist/index.js').then((lib) => (${masks.toString()})(lib))`;
    const chrome = (await page.evaluate(script)) as Awaited<ReturnType<typeof masks>>;
    await page.close();
    expect(chrome.isa).toBe('relaxed');
    expect(node.isa).not.toBe(chrome.isa);
    expect(chrome.op).toEqual(node.op);
    expect(chrome.layer).toEqual(node.layer);
    const kept = node.op.filter((b) => b !== 0).length / node.op.length;
    expect(Math.abs(kept - 0.6)).toBeLessThan(0.02);
    expect(new Set(node.layer)).toEqual(new Set([0, new Uint32Array(Float32Array.of(2).buffer)[0]]));
  });
});
