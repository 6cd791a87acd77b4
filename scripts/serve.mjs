// SPDX-License-Identifier: MIT
// A static file server for the browser demo (repo root, loopback only):
//   npm run demo:browser   → http://127.0.0.1:8080/examples/browser/
// It sends the COOP/COEP headers that make a page cross-origin isolated, so the page has
// SharedArrayBuffer and simdcnn runs its kernels on worker threads there.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.gz': 'application/octet-stream' };

/** Headers that make a page cross-origin isolated (SharedArrayBuffer, so threads). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Starts the server; resolves to its base URL. Port 0 picks a free port. `isolated: false`
 * leaves the isolation headers out (a plain page: one thread); `headers` are sent as well.
 */
export function serve(port = 8080, { isolated = true, headers = {} } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...(isolated ? ISOLATION : {}), ...headers });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve(Number(process.env.PORT ?? 8080));
  console.log(`browser demo: ${url}/examples/browser/  (cross-origin isolated: threads; Ctrl-C to stop)`);
}
