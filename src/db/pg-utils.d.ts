// node-pg's value conversion for parameters (exported by the package as `pg/lib/utils.js`; its
// type package does not describe it): Dates, arrays, Buffers, objects to what the wire carries.
declare module 'pg/lib/utils.js' {
  export function prepareValue(value: unknown): string | Buffer | null;
}
