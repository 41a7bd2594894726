// Dates a database can store: Date.parse accepts years PostgreSQL's timestamptz refuses (year 0,
// or 9999-12-31 with a negative offset, which lands in year 10000). Refusing them at the edge keeps
// a bad date a 400 in every dialect, never a database error.
export function storableDate(ms: number): Date | null {
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  return year >= 1 && year <= 9999 ? d : null;
}
