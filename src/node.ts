// SPDX-License-Identifier: MIT
// `simdcnn/node`: helpers that need a file system (Node, Deno). Kept out of the main entry so
// that it stays platform-neutral for browsers.
export { loadFashionMnist, bundledDataDir } from './data/node.js';
