// Outgoing notification requests with SSRF protection: the target's address is checked at connect
// time (inside the DNS lookup the socket actually uses), so a name that resolves to loopback or a
// private network is refused even if it resolved elsewhere a moment before (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
// IPv6: unspecified, loopback, unique-local, link- and site-local, multicast, and the ranges that
// embed an IPv4 address (mapped, NAT64, 6to4), which could smuggle a private IPv4 target.
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['2002::', 16],
] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && PRIVATE.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export class BlockedTargetError extends Error {}

export interface PostResult {
  status: number;
  body: string;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Operators (and tests) may allow loopback/private targets explicitly. */
  allowPrivate: boolean;
}

export function safePost(target: string, o: PostOptions): Promise<PostResult> {
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new BlockedTargetError(`unsupported scheme ${url.protocol}`));
  // A literal IP never goes through the lookup below, so check it here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!o.allowPrivate && isPrivateAddress(literal)) return Promise.reject(new BlockedTargetError(`${literal} is a private or loopback address`));
  const lookup = (host: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(host, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const list = addresses as LookupAddress[];
      const blocked = !o.allowPrivate && list.some((a) => isPrivateAddress(a.address));
      if (blocked) return cb(new BlockedTargetError(`${host} resolves to a private or loopback address`), []);
      const options = opts as { all?: boolean };
      if (options.all) return cb(null, list);
      cb(null, list[0].address, list[0].family);
    });
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: 'POST', headers: { ...o.headers, 'content-length': Buffer.byteLength(o.body).toString() }, lookup: lookup as never, timeout: o.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // A receiver's answer is only inspected for an acknowledgement: stop reading past 64 KiB.
          if (size <= 64 * 1024) chunks.push(c);
          else res.destroy(new Error('answer larger than 64 KiB'));
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // `timeout` is only an idle timeout: a receiver dripping bytes must not outlive the attempt (and
    // the outbox lease), so the whole exchange gets one deadline too.
    const deadline = setTimeout(() => req.destroy(new Error(`no complete answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}
