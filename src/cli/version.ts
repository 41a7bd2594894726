// `kasir version` / `kasir --version`: the package's version and the Node.js running it (the two
// things a bug report needs). package.json is read from the checkout, not imported: the CLI loads
// nothing but Node built-ins at start.
import { readFileSync } from 'node:fs';
import type { Command, Ctx } from './client.ts';

export function kasirVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function printVersion(c: Pick<Ctx, 'opts' | 'io'>): void {
  const v = { kasir: kasirVersion(), node: process.version };
  c.io.out(c.opts.json ? JSON.stringify(v, null, 2) : `kasir ${v.kasir} (Node.js ${v.node})`);
}

export const VERSION_COMMANDS: Record<string, Command> = {
  version: { args: [], options: [], run: async (c) => printVersion(c) },
};
