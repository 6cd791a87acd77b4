// SPDX-License-Identifier: MIT
// cnn.data: datasets and the IDX (MNIST / Fashion-MNIST) reader. Platform-neutral; the
// Node-only file helpers (loadFashionMnist, bundledDataDir) live in ./node.ts and are not
// re-exported here, so browsers and Deno can import this entry unchanged.
export { Dataset } from './dataset.js';
export { loadIdx, parseIdx, gunzipIfNeeded } from './idx.js';
