import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Exposition } from './registry.js';

export interface HealthServerOptions {
  /** True when the role can do its work (its engines answer, its balancer runs). */
  readonly ready: () => Promise<boolean>;
  /** The Prometheus exposition for GET /metrics. */
  readonly metrics: () => Promise<Exposition>;
  readonly logger?: Logger;
}

export interface HealthServer {
  /** Port 0 picks a free port; returns the bound one. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The HTTP port of a role without a gateway (write service, projector): GET /healthz (the process
 * answers), GET /readyz (200 when ready, else 503) and GET /metrics.
 */
export function createHealthServer(options: HealthServerOptions): HealthServer {
  const json = (status: number, body: unknown) => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });
  const answer = async (method: string, path: string) => {
    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: { code: 'METHOD_NOT_ALLOWED' } });
    switch (path) {
      case '/healthz':
        return json(200, { status: 'ok' });
      case '/readyz': {
        const ready = await options.ready().catch(() => false);
        return json(ready ? 200 : 503, { ready });
      }
      case '/metrics': {
        const { contentType, body } = await options.metrics();
        return { status: 200, contentType, body };
      }
      default:
        return json(404, { error: { code: 'NOT_FOUND', message: `no route for ${method} ${path}` } });
    }
  };
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    answer(request.method ?? 'GET', path).then(
      ({ status, contentType, body }) => {
        response.writeHead(status, { 'content-type': contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.logger?.error({ err: error, path }, 'health endpoint failed');
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'INTERNAL' } }));
      },
    );
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
