// The one strict reading of dates every dialect uses. Date.parse and Date.UTC roll impossible dates
// over ("2099-02-30" → 2 March, "T24:00" → the next day, Date.UTC(50, …) → 1950): a client's typo
// would silently become another instant. Here a date is taken only if every field names a real
// calendar day and time, and only if PostgreSQL can store it.

/**
 * Dates a database can store: Date.parse accepts years PostgreSQL's timestamptz refuses (year 0,
 * or 9999-12-31 with a negative offset, which lands in year 10000). Refusing them at the edge keeps
 * a bad date a 400 in every dialect, never a database error.
 */
export function storableDate(ms: number): Date | null {
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  return year >= 1 && year <= 9999 ? d : null;
}

/** The instant of a wall-clock date and time read as UTC, or null unless each field is in range. */
export function calendarUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): Date | null {
  if (hour > 23 || minute > 59 || second > 59) return null;
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  // A day or month out of range rolls over into another one: compare what came out.
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? d : null;
}

export interface IsoSyntax {
  /** Digits allowed after the seconds' decimal point (milliseconds and finer are truncated). */
  fractionDigits: number;
  /** Whether the offset may be written without its colon (+0800), as some Antom SDKs send it. */
  compactOffset: boolean;
}

/**
 * A parser of ISO 8601 date-times with a mandatory offset (`Z` or ±hh:mm), seconds optional, in the
 * dialect's syntax; it answers null for anything else, impossible or unstorable dates included.
 */
export function isoDateTimeParser(syntax: IsoSyntax): (text: string) => Date | null {
  const offset = syntax.compactOffset ? '([+-])(\\d{2}):?(\\d{2})' : '([+-])(\\d{2}):(\\d{2})';
  const re = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,${syntax.fractionDigits}}))?)?(?:Z|${offset})$`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return null;
    const [year, month, day, hour, minute] = m.slice(1, 6).map(Number);
    const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
    const local = calendarUtc(year, month, day, hour, minute, Number(m[6] ?? 0), ms);
    const [sign, offHours, offMinutes] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
    if (!local || offHours > 23 || offMinutes > 59) return null;
    const offsetMs = (sign === '-' ? -1 : 1) * (offHours * 60 + offMinutes) * 60_000;
    return storableDate(local.getTime() - offsetMs);
  };
}
