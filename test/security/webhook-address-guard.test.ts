import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTarget, forbiddenAddressReason, postGuarded, type LookupFunction, type OutboundPolicy } from '../../server/src/infra/http/outbound-guard.js';
import { validateWebhookUrl } from '../../server/src/webhooks/webhooks.validation.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The SSRF guard of webhook deliveries (server/src/infra/http/outbound-guard.ts), against a real
 * HTTP receiver on 127.0.0.1, with resolvers that answer what an attacker's DNS would: a public
 * name that resolves to loopback, a private or metadata address, or a mix. Each refusal is
 * paired with the same request let through (private addresses allowed) reaching the receiver,
 * so the refusals cannot pass by the receiver being unreachable.
 */

/** A resolver answering `addresses` for every name, as dns.lookup's callback would. */
function resolverAnswering(...addresses: string[]): LookupFunction & { calls: number } {
  const fn = ((_host: string, options: dns.LookupOptions, callback: (e: Error | null, a: dns.LookupAddress[] | string, f?: number) => void) => {
    fn.calls++;
    const list = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  }) as LookupFunction & { calls: number };
  fn.calls = 0;
  return fn;
}

describe('webhook address guard', () => {
  let receiver: WebhookReceiver;
  const policy = (over: Partial<OutboundPolicy> = {}): OutboundPolicy => ({
    allowHttp: true,
    allowPrivateAddresses: false,
    connectTimeoutMs: 2000,
    timeoutMs: 5000,
    maxBodyBytes: 64,
    ...over,
  });
  const post = (url: string, over: Partial<OutboundPolicy> = {}) => postGuarded(url, '{"a":1}', { 'content-type': 'application/json' }, policy(over));

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'reserved'],
    ['::a9fe:a9fe', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['198.18.0.1', 'reserved'],
  ])('refuses %s (%s)', (address, range) => {
    expect(forbiddenAddressReason(address)).toContain(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });

  it('refuses a public name that resolves to loopback, and the receiver gets nothing', async () => {
    const lookup = resolverAnswering('127.0.0.1');
    await expect(post(`http://hooks.example.com:${receiver.port}/dns`, { lookup })).rejects.toMatchObject({ code: 'ADDRESS_FORBIDDEN' });
    expect(lookup.calls).toBe(1);
    expect(receiver.on('/dns')).toHaveLength(0);
    // The same request with private addresses allowed reaches it: the refusal above was the guard's.
    await expect(post(`http://hooks.example.com:${receiver.port}/dns`, { lookup, allowPrivateAddresses: true })).resolves.toMatchObject({ status: 200 });
    expect(receiver.on('/dns')).toHaveLength(1);
  });

  it.each([['10.0.0.7'], ['169.254.169.254'], ['fd00:ec2::254'], ['::ffff:127.0.0.1']])('refuses a name resolving to %s', async (address) => {
    await expect(post(`https://hooks.example.com/x`, { lookup: resolverAnswering(address) })).rejects.toMatchObject({ code: 'ADDRESS_FORBIDDEN' });
  });

  it('refuses a name whose answers mix a public and a private address', async () => {
    const lookup = resolverAnswering('93.184.216.34', '127.0.0.1');
    await expect(post(`http://mixed.example.com:${receiver.port}/mixed`, { lookup })).rejects.toMatchObject({ code: 'ADDRESS_FORBIDDEN' });
    expect(receiver.on('/mixed')).toHaveLength(0);
  });

  it('checks the address on every connection: a name that answers public first and loopback next is refused the second time', async () => {
    const answers = ['93.184.216.34', '127.0.0.1'];
    let calls = 0;
    const rebinding = ((host: string, options: dns.LookupOptions, callback: Parameters<LookupFunction>[2]) => {
      resolverAnswering(answers[Math.min(calls++, answers.length - 1)]!)(host, options, callback);
    }) as LookupFunction;
    // The public answer passes the guard (this machine cannot reach it: a connect failure or timeout, not a refusal).
    const first = await post(`http://rebind.example.com:${receiver.port}/rebind`, { lookup: rebinding, connectTimeoutMs: 500 }).catch((e: { code: string }) => e);
    expect(first).toMatchObject({ code: expect.stringMatching(/^(CONNECT_FAILED|TIMEOUT)$/) });
    await expect(post(`http://rebind.example.com:${receiver.port}/rebind`, { lookup: rebinding })).rejects.toMatchObject({ code: 'ADDRESS_FORBIDDEN' });
    expect(calls).toBe(2);
    expect(receiver.on('/rebind')).toHaveLength(0);
  });

  it('refuses an IP literal in the URL before any connection, in every spelling', async () => {
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:7f00:1]', '169.254.169.254', '[fd00:ec2::254]', '0x7f.1', '2130706433', '0']) {
      await expect(post(`http://${host}:${receiver.port}/literal`)).rejects.toMatchObject({ code: 'ADDRESS_FORBIDDEN' });
    }
    expect(receiver.on('/literal')).toHaveLength(0);
    await expect(post(`http://127.0.0.1:${receiver.port}/literal`, { allowPrivateAddresses: true })).resolves.toMatchObject({ status: 200 });
  });

  it('refuses http:// unless allowed, and never follows a redirect', async () => {
    expect(() => checkTarget(new URL('http://example.com/'), { allowHttp: false, allowPrivateAddresses: false })).toThrow(expect.objectContaining({ code: 'SCHEME_FORBIDDEN' }));
    await expect(post(`http://127.0.0.1:${receiver.port}/scheme`, { allowHttp: false, allowPrivateAddresses: true })).rejects.toMatchObject({ code: 'SCHEME_FORBIDDEN' });
    expect(receiver.on('/scheme')).toHaveLength(0);

    receiver.redirectTo = `http://127.0.0.1:${receiver.port}/after-redirect`;
    receiver.answerNext(301);
    const answer = await post(`http://127.0.0.1:${receiver.port}/redirect`, { allowPrivateAddresses: true });
    expect(answer).toMatchObject({ status: 301, location: receiver.redirectTo });
    expect(receiver.on('/after-redirect')).toHaveLength(0);
  });

  it('keeps only the first bytes of a long answer', async () => {
    receiver.answerNext(500);
    const answer = await post(`http://127.0.0.1:${receiver.port}/long`, { allowPrivateAddresses: true, maxBodyBytes: 10 });
    expect(answer).toMatchObject({ status: 500, excerpt: 'failing on' });
  });

  it('times out on a connection that never completes', async () => {
    // A resolver that never answers stands in for a connect that hangs (no address that drops SYNs is reachable offline).
    const hanging = (() => {}) as unknown as LookupFunction;
    await expect(post('http://slow.example.com/', { lookup: hanging, connectTimeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  describe('registration rules', () => {
    const strict = { allowHttp: false, allowPrivateAddresses: false };
    it.each([
      ['http://example.com/hooks', 'https://'],
      ['https://127.0.0.1/hooks', 'loopback'],
      ['https://[::1]/hooks', 'loopback'],
      ['https://169.254.169.254/latest/meta-data', 'linkLocal'],
      ['https://[fd00:ec2::254]/', 'uniqueLocal'],
      ['https://10.0.0.1/', 'private'],
      ['https://localhost/hooks', 'local name'],
      ['https://metadata.google.internal/', 'local name'],
      ['https://intranet/', 'local name'],
    ])('refuses %s', (url, words) => {
      expect(() => validateWebhookUrl(url, strict)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'url', message: expect.stringContaining(words) }));
    });

    it('accepts a public https URL as written, normalised', () => {
      expect(validateWebhookUrl('https://Hooks.Example.com/in?x=1', strict)).toBe('https://hooks.example.com/in?x=1');
    });
  });
});
