// Bounds on the shape of a JSON body, checked on the text before JSON.parse. Parsing itself copes
// with any depth, but everything after it walks the value recursively (Antom's null stripping and
// canonical form, the NUL check, JSON.stringify of a NICEPAY cartData): 5,000 nested arrays in a
// 10 KB body overflowed the stack there, answered an internal error and logged a stack trace, to
// anyone, per request. Real requests of every dialect are a few levels deep with tens of fields.

export interface JsonBounds {
  /** Containers ({ or [) nested in one another, the outermost object included. */
  maxDepth: number;
  /** Object members and array items, counted over the whole body. */
  maxMembers: number;
}

export const JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxMembers: 1000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The index of the quote closing the string opened at `open` (text.length when unterminated). */
function stringEnd(text: string, open: number): number {
  for (let q = open; ; ) {
    q = text.indexOf('"', q + 1);
    if (q === -1) return text.length;
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q; // an odd run of backslashes escapes the quote
  }
}

/**
 * Why `text` is beyond the bounds (a phrase completing "the body …"), or null. One linear pass, no
 * recursion; malformed JSON is left to JSON.parse to report. A member is counted when a container
 * turns out non-empty and at every comma outside strings.
 */
export function jsonBoundsProblem(text: string, bounds: JsonBounds = JSON_BOUNDS): string | null {
  let depth = 0;
  let members = 0;
  let justOpened = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (SPACE.has(c)) continue;
    if (justOpened && !CLOSE.has(c)) members++;
    justOpened = false;
    if (c === QUOTE) {
      i = stringEnd(text, i); // brackets and commas inside a string are text
    } else if (OPEN.has(c)) {
      if (++depth > bounds.maxDepth) return `is nested deeper than ${bounds.maxDepth} levels`;
      justOpened = true;
    } else if (CLOSE.has(c)) {
      depth--;
    } else if (c === COMMA) {
      members++;
    }
    if (members > bounds.maxMembers) return `has more than ${bounds.maxMembers} fields and array items`;
  }
  return null;
}
