import type { NextConfig } from 'next';

/**
 * The browser talks to one origin: Next.js serves the pages and proxies the API,
 * the OpenAPI docs and the WebSocket to the backend (`KAIROS_API_URL`), so the
 * Better Auth session cookie is first-party. In the cluster the ingress routes the
 * same paths and these rewrites are never hit.
 */
const api = (process.env.KAIROS_API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');

const config: NextConfig = {
  output: 'standalone',
  reactStrictMode: true,
  poweredByHeader: false,
  outputFileTracingRoot: new URL('..', import.meta.url).pathname,
};

export default config;
