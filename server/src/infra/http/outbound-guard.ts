import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound HTTP to URLs that tenants choose (webhook endpoints), guarded against SSRF:
 * - only https (http when `allowHttp`, for local tests);
 * - only public unicast addresses, checked on the address each connection actually uses: the
 *   socket's `lookup` is ours, so the name is resolved once per connection and every answer is
 *   checked before connecting (a DNS answer that changes between a check and the connect,
 *   "DNS rebinding", cannot pass); an IP written in the URL is checked before any socket opens;
 * - redirects are never followed (a 3xx is the caller's failure to record);
 * - a connect timeout and a whole-exchange timeout; at most `maxBodyBytes` of the answer are read.
 *
 * node:http rather than fetch: fetch's dispatcher (undici) is a separate package from the one
 * bundled in Node, and http.request takes a `lookup` per request with no agent pool that could
 * reuse a socket opened for another host.
 */

export type LookupFunction = NonNullable<net.TcpSocketConnectOpts['lookup']>;

export interface OutboundPolicy {
  allowHttp: boolean;
  /** Tests only: the test receivers listen on 127.0.0.1. */
  allowPrivateAddresses: boolean;
  connectTimeoutMs: number;
  /** From the request's start to the end of the (truncated) answer. */
  timeoutMs: number;
  maxBodyBytes: number;
  /** The resolver (dns.lookup unless a test gives one that answers private addresses). */
  lookup?: LookupFunction;
}

export type OutboundFailure = 'SCHEME_FORBIDDEN' | 'ADDRESS_FORBIDDEN' | 'DNS_FAILED' | 'CONNECT_FAILED' | 'TIMEOUT';

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface OutboundResponse {
  status: number;
  /** The first `maxBodyBytes` of the body, as UTF-8 (the rest is not read). */
  excerpt: string;
  location: string | null;
}

/**
 * IPv6 ranges ipaddr.js names "unicast" that must not be reached either: IPv4-compatible
 * addresses (::a.b.c.d, deprecated; some stacks still route them to IPv4) and documentation.
 */
const EXTRA_FORBIDDEN_V6: [ipaddr.IPv6, number][] = [ipaddr.IPv6.parseCIDR('::/96'), ipaddr.IPv6.parseCIDR('2001:db8::/32')];

/**
 * Why `address` (an IP literal) may not be connected to, or null when it is a public unicast
 * address. Allow-listing "unicast" after unmapping ::ffff:a.b.c.d refuses loopback, private
 * (RFC 1918), unique-local (fc00::/7, so fd00:ec2::254), link-local (so 169.254.169.254),
 * CGNAT, unspecified, broadcast, multicast, reserved, documentation, NAT64, 6to4 and Teredo.
 */
export function forbiddenAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const ip = ipaddr.process(address);
  const range = ip.range();
  if (range !== 'unicast') return `${ip.toString()} is a ${range} address`;
  if (ip.kind() === 'ipv6' && EXTRA_FORBIDDEN_V6.some((cidr) => (ip as ipaddr.IPv6).match(cidr))) {
    return `${ip.toString()} is a reserved address`;
  }
  return null;
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * A `lookup` for sockets that resolves with `resolve` and refuses the connection when any
 * answer is not public (refusing all rather than picking a public one: a name that mixes
 * public and private answers is not one to trust).
 */
export function guardedLookup(resolve: LookupFunction = dns.lookup as LookupFunction, allowPrivate = false): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (Array.isArray(addresses) ? addresses : [{ address: addresses, family: net.isIP(addresses) }]) as dns.LookupAddress[];
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if (!allowPrivate) {
        for (const { address } of list) {
          const reason = forbiddenAddressReason(address);
          if (reason) return callback(new OutboundError('ADDRESS_FORBIDDEN', `${hostname} resolved to ${reason}`), '', 0);
        }
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}

/** Refusals that need no connection: the scheme, and an IP literal in the URL. */
export function checkTarget(url: URL, policy: Pick<OutboundPolicy, 'allowHttp' | 'allowPrivateAddresses'>): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new OutboundError('SCHEME_FORBIDDEN', `${url.protocol} URLs are not allowed: use https://`);
  }
  const host = hostOf(url);
  if (net.isIP(host) && !policy.allowPrivateAddresses) {
    const reason = forbiddenAddressReason(host);
    if (reason) throw new OutboundError('ADDRESS_FORBIDDEN', reason);
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);

/** POSTs `body` under the policy; resolves with any HTTP answer (the caller judges it), rejects with an OutboundError. */
export function postGuarded(rawUrl: string, body: string, headers: Record<string, string>, policy: OutboundPolicy): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.reject(new OutboundError('CONNECT_FAILED', 'the URL does not parse'));
  }
  try {
    checkTarget(url, policy);
  } catch (error) {
    return Promise.reject(error);
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, response?: OutboundResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(wholeTimer);
      request.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const request = transport.request(url, {
      method: 'POST',
      // No pooled agent: a socket is opened (and its address checked) for this request alone.
      agent: false,
      lookup: guardedLookup(policy.lookup, policy.allowPrivateAddresses),
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' },
    });
    const connectTimer = setTimeout(
      () => finish(new OutboundError('TIMEOUT', `no connection within ${policy.connectTimeoutMs} ms`)),
      policy.connectTimeoutMs,
    );
    const wholeTimer = setTimeout(() => finish(new OutboundError('TIMEOUT', `no answer within ${policy.timeoutMs} ms`)), policy.timeoutMs);
    request.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof OutboundError) return finish(error);
      if (error.code && DNS_CODES.has(error.code)) return finish(new OutboundError('DNS_FAILED', `${url.hostname} did not resolve (${error.code})`));
      finish(new OutboundError('CONNECT_FAILED', error.code ? `${error.code}: ${error.message}` : error.message));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish(null, {
          status: response.statusCode ?? 0,
          excerpt: Buffer.concat(chunks).subarray(0, policy.maxBodyBytes).toString('utf8').replace(/\uFFFD+$/, ''),
          location: typeof response.headers.location === 'string' ? response.headers.location : null,
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= policy.maxBodyBytes) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(body);
  });
}
