/**
 * Security headers for every page (Next's request proxy, formerly "middleware"; it runs
 * in `npm start` and in the standalone server of the cluster alike):
 * - a Content-Security-Policy with a fresh nonce per request: scripts run only with that
 *   nonce (Next adds it to its own scripts; 'strict-dynamic' lets them load the chunks),
 *   no 'unsafe-inline' and no 'unsafe-eval' for scripts; frames refused (frame-ancestors);
 *   API and WebSocket calls to this origin only. Styles keep 'unsafe-inline': the virtual
 *   list positions rows with style attributes, which a nonce cannot cover.
 * - Strict-Transport-Security and upgrade-insecure-requests only behind TLS (the request
 *   arrived over https, or the ingress says so in X-Forwarded-Proto).
 * Static headers (Referrer-Policy, nosniff, …) are in next.config.ts.
 */
import { NextResponse, type NextRequest } from 'next/server';

export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const dev = process.env.NODE_ENV === 'development';
  const tls = request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(tls ? ['upgrade-insecure-requests'] : []),
  ].join('; ');

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', csp);
  if (tls) response.headers.set('strict-transport-security', 'max-age=63072000; includeSubDomains');
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the proxied API, docs and WebSocket, not static files.
      source: '/((?!api/|docs|ws|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
