// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package/file,
// and inclusive time of chosen functions. Usage:
//   node_modules/.bin/node bench/profile-summary.ts <file.cpuprofile> [top=25] [function names, comma separated]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, namesArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node_modules/.bin/node bench/profile-summary.ts <file.cpuprofile> [top] [fn1,fn2]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from the samples (timeDeltas[i] is the time before sample i).
const selfUs = new Map<number, number>();
prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i + 1] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) return '(native/vm)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/');
}
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

function tally(key: (n: Node) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key(byId.get(id)!);
    m.set(k, (m.get(k) ?? 0) + us);
  }
  return [...m].sort((a, b) => b[1] - a[1]);
}
const show = (title: string, rows: [string, number][]) => {
  console.log(`\n${title}`);
  for (const [k, us] of rows.slice(0, top)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};

console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show('self time by package/file', tally((n) => (['(idle)', '(garbage collector)', '(program)'].includes(n.callFrame.functionName) ? n.callFrame.functionName : where(n.callFrame.url))));
show('self time by function', tally(label));

// Inclusive time of named functions (counted once per sample even when recursive).
if (namesArg) {
  const names = namesArg.split(',');
  const incl = new Map<string, number>(names.map((n) => [n, 0]));
  prof.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur)!.callFrame.functionName;
      if (incl.has(fn) && !seen.has(fn)) {
        seen.add(fn);
        incl.set(fn, incl.get(fn)! + (prof.timeDeltas[i + 1] ?? 0));
      }
    }
  });
  show('inclusive time of', [...incl].sort((a, b) => b[1] - a[1]));
}
