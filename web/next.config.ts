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
};

export default config;
