// SPDX-License-Identifier: MIT
// The line budget (STYLE.md §14): no source file over 400 lines, assembly/ under 3,000 in
// total. Prints lines per folder and fails when over.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FILE_LIMIT = 400;
const ASSEMBLY_LIMIT = 3000;
const roots = ['assembly', 'src', 'tests', 'bench', 'scripts', 'examples'];
const generated = /Auto-generated|\.json$/;

function* files(dir) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') yield* files(path);
    } else if (/\.(ts|mjs|js|py)$/.test(name)) yield path;
  }
}

const folders = new Map();
const over = [];
let assembly = 0;
for (const root of roots) {
  for (const path of files(root)) {
    const text = readFileSync(path, 'utf8');
    if (generated.test(text.slice(0, 200))) continue;
    const lines = text.split('\n').length;
    const folder = path.split('/').slice(0, -1).join('/');
    folders.set(folder, (folders.get(folder) ?? 0) + lines);
    if (lines > FILE_LIMIT) over.push(`${path}: ${lines} lines (limit ${FILE_LIMIT})`);
    if (root === 'assembly') assembly += lines;
  }
}
for (const [folder, lines] of [...folders].sort()) console.log(`${String(lines).padStart(6)}  ${folder}/`);
console.log(`${String(assembly).padStart(6)}  assembly total (limit ${ASSEMBLY_LIMIT})`);
if (assembly > ASSEMBLY_LIMIT) over.push(`assembly/: ${assembly} lines (limit ${ASSEMBLY_LIMIT})`);
if (over.length) {
  console.error(`line budget exceeded:\n  ${over.join('\n  ')}`);
  process.exit(1);
}
