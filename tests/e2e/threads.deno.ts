// SPDX-License-Identifier: MIT
// Deno's half of tests/e2e/threads-platforms.test.ts: the threads check on the built bundle,
// printed as JSON. The process must end by itself: idle workers may not keep it alive.
import * as cnn from '../../dist/index.js';
import { threadsRun } from '../helpers/threads-run.ts';

console.log(JSON.stringify(await threadsRun(cnn, [1, 2, 3])));
