// The test output of one file at a time, from a worker process's stdout and stderr (run.ts).
import { FILE_END } from './messages.ts';

/**
 * One file's output, split off a worker's stdout and stderr: worker.ts writes FILE_END to both when a
 * file ends, before its answer, and the pipes and the IPC channel are not ordered with each other.
 */
export class FileOutput {
  private text = ['', ''];
  private ended = [false, false];
  constructor(streams: NodeJS.ReadableStream[], onEnded: () => void) {
    streams.forEach((stream, i) =>
      stream.on('data', (c: Buffer) => {
        this.text[i] += c;
        const at = this.text[i].indexOf(FILE_END);
        if (at < 0 || this.ended[i]) return;
        this.ended[i] = true;
        onEnded();
      }),
    );
  }
  /** Both streams have reached the current file's end. */
  complete(): boolean {
    return this.ended[0] && this.ended[1];
  }
  /** The current file's output (all of it so far if it never ended); what follows stays for the next. */
  take(): string {
    const parts = this.text.map((t, i) => {
      const at = this.ended[i] ? t.indexOf(FILE_END) : -1;
      this.text[i] = at < 0 ? '' : t.slice(at + FILE_END.length);
      // A short next file may have ended in the same chunk.
      this.ended[i] = this.text[i].includes(FILE_END);
      return (at < 0 ? t : t.slice(0, at)).trimEnd();
    });
    return parts.filter(Boolean).join('\n');
  }
}
