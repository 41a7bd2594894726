// When an unpaid payment lapses, said the same way on every server: the ISO instant (UTC) plus a
// countdown from the injected clock, never the server's locale or time zone.

export function expiryText(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  if (ms <= 0) return `Expired at ${expiresAt.toISOString()}`;
  // Rounded up: "expires in 1 minute" until the very last second, never "in 0 minutes".
  const minutes = Math.ceil(ms / 60_000);
  return `Expires at ${expiresAt.toISOString()} (expires in ${minutes} minute${minutes === 1 ? '' : 's'})`;
}
