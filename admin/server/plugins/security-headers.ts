import { createHash } from 'node:crypto';

/**
 * Security headers on everything the admin serves. The page may not be framed (clickjacking a
 * builder into "Revoke" or "Turn off"), nothing may be type-sniffed, no referrer leaves it.
 *
 * The CSP allows scripts from this origin and, by hash, the inline scripts of the page itself:
 * Nuxt's SPA shell inlines its color-mode script and the runtime config, whose text depends on
 * the deployment's settings, so the hashes are taken from each rendered page rather than kept
 * here. Styles allow 'unsafe-inline': Vue's style bindings and the UI library's popover
 * positioning write style attributes.
 */
const BASE_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/**
 * Inline scripts the client inserts after load, hashed too: @nuxt/ui's colors plugin
 * (runtime/plugins/colors.js) adds this one in SPA mode to remove its provisional style.
 */
const CLIENT_SCRIPTS = ["document.head.removeChild(document.querySelector('[data-nuxt-ui-colors]'))"];

const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>([\s\S]*?)<\/script>/g;

const hashOf = (script: string) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

function policyFor(html: string | undefined): string {
  const inline = [...(html ?? '').matchAll(INLINE_SCRIPT)].map((m) => m[1]!);
  const hashes = [...inline, ...CLIENT_SCRIPTS].map(hashOf);
  return [...BASE_POLICY, `script-src 'self' ${hashes.join(' ')}`.trim()].join('; ');
}

export default defineNitroPlugin((nitro) => {
  nitro.hooks.hook('request', (event) => {
    setResponseHeaders(event, {
      'content-security-policy': policyFor(undefined),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  });
  nitro.hooks.hook('render:response', (response) => {
    response.headers ??= {};
    response.headers['content-security-policy'] = policyFor(typeof response.body === 'string' ? response.body : undefined);
  });
});
