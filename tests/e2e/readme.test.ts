// SPDX-License-Identifier: MIT
// The README's "Graph models" examples run as written: their TypeScript blocks are stripped
// of types (esbuild) and run against the library, then the graphs they build are checked.
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';

beforeAll(() => cnn.ready());

describe('README', () => {
  it('the Graph models examples build a residual model and an Inception block', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Graph models'), readme.indexOf('\n## ', readme.indexOf('## Graph models') + 3));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toHaveLength(2);
    const source = `${blocks.join('\n')}\nreturn { model, inception };`;
    const { code } = transformSync(source, { loader: 'ts' });
    const logs: string[] = [];
    const run = new Function('cnn', 'console', code) as (c: typeof cnn, log: { log(s: string): void }) => { model: cnn.Model; inception(x: cnn.SymbolicTensor): cnn.SymbolicTensor };
    const { model, inception } = run(cnn, { log: (s) => logs.push(s) });
    expect(model.outputShape).toEqual([10]);
    expect(model.nodes.filter((n) => n.kind === 'add')).toHaveLength(2);
    expect(logs[0]).toMatch(/^add_2\s+add\s+batchNorm2d_4, relu_3/m);
    expect(inception(cnn.input([192, 28, 28])).shape).toEqual([256, 28, 28]);
    model.dispose();
  });
});
