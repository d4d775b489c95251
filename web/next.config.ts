import type { NextConfig } from 'next';

/**
 * Same origin for pages, API and WebSocket: `server.mjs` (npm start) proxies `/api/*`,
 * `/docs*` and `/ws` to KAIROS_API_URL at run time; in the cluster the ingress does.
 */
const config: NextConfig = {
  output: 'standalone',
  reactStrictMode: true,
  poweredByHeader: false,
  outputFileTracingRoot: new URL('..', import.meta.url).pathname,
  // Headers that do not change per request; the CSP (with its nonce) and HSTS are set in proxy.ts.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
        ],
      },
    ];
  },
};

export default config;
