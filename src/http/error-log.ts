// Internal errors are logged with their stack, but not without limit: a request anyone can send
// that ends in an internal error would otherwise write a stack trace per request and flood the
// log (the attack test did it with deeply nested JSON). Each process logs at most `stacksPerWindow`
// full errors per window; past that it logs one line saying stacks are suppressed, and the first
// error of a later window is preceded by the count of those it left out.
import type { Clock } from '../core/clock.ts';

/** The part of pino's (Fastify's) logger this needs. */
export interface ErrorLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ErrorLogLimits {
  stacksPerWindow: number;
  windowMs: number;
}

export const ERROR_LOG_LIMITS: ErrorLogLimits = { stacksPerWindow: 20, windowMs: 60_000 };

export class ErrorLogLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private suppressed = 0;
  private readonly limits: ErrorLogLimits;

  constructor(limits: ErrorLogLimits = ERROR_LOG_LIMITS) {
    this.limits = limits;
  }

  /** Logs `err` with its stack, or counts it when this window's stacks are spent. */
  internal(log: ErrorLogger, clock: Clock, err: unknown, msg: string): void {
    const now = clock.now().getTime();
    if (now - this.windowStart >= this.limits.windowMs || now < this.windowStart) {
      if (this.suppressed > 0) log.warn({ suppressedErrors: this.suppressed, windowMs: this.limits.windowMs }, 'internal errors left out of the log in the last window (limit reached)');
      this.windowStart = now;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < this.limits.stacksPerWindow) {
      this.logged++;
      log.error({ err }, msg);
      return;
    }
    if (this.suppressed++ === 0) {
      log.warn({ stacksPerWindow: this.limits.stacksPerWindow, windowMs: this.limits.windowMs }, 'too many internal errors: further ones are counted, not logged, until the window ends');
    }
  }
}

/** The process's limiter, shared by every dialect and route (a flood counts as one, whatever path). */
const processLimiter = new ErrorLogLimiter();

export function logInternalError(log: ErrorLogger, clock: Clock, err: unknown, msg: string): void {
  processLimiter.internal(log, clock, err, msg);
}
