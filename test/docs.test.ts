// The documentation stays true to the code and self-contained: docs/state-machine.md's transition
// table is the one in src/core/payments/states.ts, no file points at design notes a reader of this
// repository does not have, and every relative link in the README files and docs/ opens a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATUSES, TRANSITIONS } from '../src/core/payments/states.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = relative(root, fileURLToPath(import.meta.url));

function walk(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(join(root, path)).isDirectory() ? walk(path) : [path];
  });
}

const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The rows between the transitions markers: event → { from, to }. */
function documentedTransitions(doc: string): Map<string, { from: string[]; to: string | null }> {
  const table = /<!-- transitions:start -->([^]*?)<!-- transitions:end -->/.exec(doc);
  assert.ok(table, 'docs/state-machine.md has the transitions markers');
  const rows = new Map<string, { from: string[]; to: string | null }>();
  for (const line of table[1].split('\n')) {
    const cells = /^\|\s*`(\w+)`\s*\|([^|]*)\|([^|]*)\|\s*$/.exec(line.trim());
    if (!cells) continue;
    assert.ok(!rows.has(cells[1]), `${cells[1]} is documented twice`);
    const from = [...cells[2].matchAll(/`(\w+)`/g)].map((m) => m[1]);
    const to = /`(\w+)`/.exec(cells[3])?.[1] ?? (cells[3].trim() === '(unchanged)' ? null : cells[3].trim());
    rows.set(cells[1], { from, to });
  }
  return rows;
}

/** Where the documented table and TRANSITIONS disagree, one line per difference. */
function disagreements(doc: string): string[] {
  const documented = documentedTransitions(doc);
  const out: string[] = [];
  for (const event of new Set([...documented.keys(), ...Object.keys(TRANSITIONS)])) {
    const rule = (TRANSITIONS as Record<string, { from: readonly string[]; to: string | null }>)[event];
    const row = documented.get(event);
    if (!rule || !row) {
      out.push(`${event}: ${rule ? 'not documented' : 'documented but not in states.ts'}`);
      continue;
    }
    if ([...row.from].sort().join() !== [...rule.from].sort().join()) out.push(`${event}: from ${row.from} ≠ ${rule.from}`);
    if (row.to !== rule.to) out.push(`${event}: to ${row.to} ≠ ${rule.to}`);
  }
  return out;
}

test('docs/state-machine.md lists exactly the transitions of states.ts', () => {
  const doc = read('docs/state-machine.md');
  assert.deepEqual(disagreements(doc), []);
  // Every status in the statuses table, and no other.
  const statuses = [...doc.matchAll(/^\| `(\w+)` \| [^|]+ \| (?:yes)? *\|$/gm)].map((m) => m[1]);
  assert.deepEqual(statuses.sort(), [...STATUSES].sort());
});

test('the check catches a table that drifted from the code', () => {
  const doc = read('docs/state-machine.md');
  const drifted = doc
    .replace('| `captured` | `requires_capture` |', '| `captured` | `requires_capture`, `processing` |')
    .replace(/^\| `rerouted` .*\n/m, '')
    .replace('| `expired` | `requires_payment_method`, `requires_confirmation`, `requires_action` | `expired` |', '| `expired` | `requires_payment_method`, `requires_confirmation`, `requires_action` | `canceled` |');
  assert.deepEqual(disagreements(drifted).sort(), [
    'captured: from requires_capture,processing ≠ requires_capture',
    'expired: to canceled ≠ expired',
    'rerouted: not documented',
  ]);
});

test('no file points at design notes outside this repository', () => {
  const files = [
    ...readdirSync(root).filter((n) => n.startsWith('README')),
    ...['docs', 'src', 'test', 'bench', 'bin', 'scripts', 'migrations'].flatMap(walk),
  ].filter((f) => f !== SELF);
  assert.ok(files.length > 100, `scanned ${files.length} files`);
  const offenders = files.flatMap((f) => {
    const text = read(f);
    return [/DESIGN\.md/, /\bspecs\//, /\.\.\/shared/].filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
  });
  assert.deepEqual(offenders, []);
});

test('every relative link in README.md, docs/ and the source READMEs opens a file', () => {
  const pages = ['README.md', ...walk('docs').filter((f) => f.endsWith('.md')), ...['src', 'bin', 'scripts', 'bench', 'test', 'migrations'].flatMap(walk).filter((f) => f.endsWith('README.md'))];
  assert.ok(pages.includes('docs/architecture.md') && pages.includes('docs/state-machine.md'));
  const broken: string[] = [];
  let links = 0;
  for (const page of pages) {
    // Code blocks are shown, not followed.
    const text = read(page).replace(/```[^]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z][a-z+.-]*:/i.test(target) || target.startsWith('#')) continue;
      links++;
      const file = decodeURIComponent(target.split('#')[0]);
      if (!existsSync(resolve(root, dirname(page), file))) broken.push(`${page} → ${target}`);
    }
  }
  assert.ok(links > 20, `checked ${links} links`);
  assert.deepEqual(broken, []);
});
