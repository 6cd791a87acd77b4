// SPDX-License-Identifier: MIT
// The threads check of tests/helpers/threads-run.ts (1, 2 and 3 threads, 100 steps each,
// twice) in the other runtimes, on the built bundle: Chromium on a cross-origin-isolated page
// (threads), on a plain page and on a page whose CSP forbids workers (one thread, and the
// reason), and Deno.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error: plain ESM script without types
import { serve } from '../../scripts/serve.mjs';
import { threadsData, threadsNet, threadsRun, type ThreadsRunResult } from '../helpers/threads-run.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DENO_VERSION = '2.9.6';
const run = promisify(execFile);

let browser: Browser;
const servers: { close(): void }[] = [];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

/** Runs threadsRun on the dist bundle in a page served with or without the isolation headers. */
async function inPage(isolated: boolean, counts: number[], headers = {}): Promise<ThreadsRunResult & { isolatedPage: boolean; errors: string[] }> {
  const { url, server } = await serve(0, { isolated, headers });
  servers.push(server);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/dist/index.js`);
  // A string, so that vitest's transform leaves the page's own dynamic import alone.
  const defs = `const threadsNet = ${threadsNet.toString()}; const threadsData = ${threadsData.toString()};`;
  const script = `${defs} import('/dist/index.js').then(async (lib) => ({ ...(await (${threadsRun.toString()})(lib, ${JSON.stringify(counts)})), isolatedPage: crossOriginIsolated }))`;
  const result = (await page.evaluate(script)) as ThreadsRunResult & { isolatedPage: boolean };
  await page.close();
  return { ...result, errors };
}

/** The checks every runtime with threads must pass. */
function expectThreaded(r: ThreadsRunResult, counts: number[]): void {
  expect(r.threads).toEqual(counts.map((count) => ({ count, requested: count, reason: null })));
  expect(r.repeats).toEqual(counts.map(() => true));
  for (const d of r.maxDiff) expect(d).toBeLessThan(1e-5);
  expect(r.maxDiff.slice(1).some((d) => d > 0)).toBe(true); // the thread counts did sum differently
  for (const [first, last] of r.losses) expect(last).toBeLessThan(first);
}

describe('threads in other runtimes', () => {
  it('Chromium, cross-origin isolated page: 1, 2 and 3 threads, each repeating bit for bit, agreeing with each other', async () => {
    const r = await inPage(true, [1, 2, 3]);
    expect(r.isolatedPage).toBe(true);
    expect(r.errors).toEqual([]);
    expectThreaded(r, [1, 2, 3]);
  });

  it('Chromium, plain page: one thread, and the reason', async () => {
    const r = await inPage(false, [2]);
    expect(r.isolatedPage).toBe(false);
    expect(r.threads[0].count).toBe(1);
    expect(r.threads[0].requested).toBe(2);
    expect(r.threads[0].reason).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    expect(r.repeats).toEqual([true]);
  });

  it('Chromium, isolated page whose CSP forbids workers: one thread, and the reason', async () => {
    const r = await inPage(true, [2], { 'content-security-policy': "worker-src 'none'" });
    expect(r.isolatedPage).toBe(true);
    expect(r.threads[0]).toMatchObject({ count: 1, requested: 2 });
    expect(r.threads[0].reason).toBe('worker 1 could not start: the page refused or could not load it (a Content-Security-Policy worker-src rule?)');
    expect(r.repeats).toEqual([true]);
  });

  it('Deno: 1, 2 and 3 threads, each repeating bit for bit, agreeing with each other; the process exits with idle workers', async () => {
    const { stdout } = await run('npx', ['--yes', `deno@${DENO_VERSION}`, 'run', '--allow-read', 'tests/e2e/threads.deno.ts'], {
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      timeout: 240_000,
    });
    expectThreaded(JSON.parse(stdout) as ThreadsRunResult, [1, 2, 3]);
  });
});
