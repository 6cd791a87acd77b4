// SPDX-License-Identifier: MIT
// The browser demo in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): the page fetches the bundled IDX files, trains LeNet-5 in the page,
// reports test accuracy and draws the prediction grid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error: plain ESM script without types
import { serve } from '../../scripts/serve.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;
let server: { close(): void };
let url: string;

beforeAll(async () => {
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

  it('reports which build it runs: relaxed SIMD in Chromium', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/examples/browser/`);
    await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 30_000 });
    expect(await page.textContent('#status')).toMatch(/^ready: wasm relaxed, 10000 training and 2000 test images$/);
    await page.close();
  });
});
