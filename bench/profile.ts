// BENCH_PROFILE=1: a V8 CPU profile of the Kasir (main) thread during each measured cancel run,
// written to bench/results/<database>-<scenario>.cpuprofile (read it with bench/profile-summary.ts or
// Chrome DevTools). The profiler slows the server: numbers of a profiled run are not comparable.
import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';

export async function profiled<T>(file: string | null, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL(`./results/${file}.cpuprofile`, import.meta.url), JSON.stringify(profile));
  }
}
