import type { IncomingMessage } from 'node:http';

const headerOf = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Whether a browser sent this request for a page of another site (cross-site request forgery, or a
 * websocket opened by such a page): its `Origin` names another host than the one it was sent to
 * (`Host`, or `X-Forwarded-Host` behind a proxy, which a page cannot set), or, where a browser sends no
 * `Origin` (an image's GET), its `Sec-Fetch-Site` says another site. Clients other than browsers send
 * neither, and a URL typed into the address bar is `Sec-Fetch-Site: none`.
 */
export function isCrossSite(request: IncomingMessage): boolean {
  const origin = headerOf(request, 'origin');
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      // "null": a sandboxed frame, a file, a redirect across sites.
      return true;
    }
    const targets = [headerOf(request, 'host'), ...(headerOf(request, 'x-forwarded-host')?.split(',') ?? [])];
    return !targets.some((target) => target?.trim().toLowerCase() === host);
  }
  const site = headerOf(request, 'sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
}

const LOOPBACK_NAME = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a request to a gateway that listens on loopback without authentication names this machine:
 * its `Host` a loopback name or address, or it came through a proxy (`X-Forwarded-Host`, which a page
 * cannot set). A page of another site whose name was made to resolve to 127.0.0.1 (DNS rebinding)
 * sends its own name as `Host` and same-origin requests, which the checks above let pass.
 */
export function namesThisMachine(request: IncomingMessage): boolean {
  if (headerOf(request, 'x-forwarded-host') !== undefined) return true;
  const host = headerOf(request, 'host');
  if (host === undefined) return false;
  // Every request asks: the Host a client keeps sending is parsed once.
  if (host === lastLoopbackHost) return true;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (!LOOPBACK_NAME.test(hostname)) return false;
  lastLoopbackHost = host;
  return true;
}

let lastLoopbackHost: string | undefined;
