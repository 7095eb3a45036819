/**
 * A stand-in for the Hugging Face hub on 127.0.0.1, serving its URL layout
 * `<endpoint>/<org>/<repo>/resolve/<revision>/<file>` from local folders (the lab-grown pair), with the
 * headers the hub gives LFS files (`X-Linked-Size`, `X-Linked-Etag` = SHA-256). Faults can be switched
 * on per file to test the cache: an HTML page with status 200, a connection cut mid-download, a 404.
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Fault = 'html' | 'cut' | 'missing' | 'slow' | 'stall' | 'hang';

export interface HubServer {
  endpoint: string;
  /** Requests seen, as `<repo>/<file>` paths. */
  requests: string[];
  faults: Map<string, Fault>;
  close(): Promise<void>;
}

/** A repo served at some revisions only (the hub answers 404 "Revision not found" for any other). */
export interface ServedRepo {
  folder: string;
  revisions: string[];
}

/** `repos` maps `org/name` to a hub-layout folder (served at any revision), or to a folder and the
 *  revisions it is served at. */
export async function startHubServer(repos: Record<string, string | ServedRepo>, port = 0): Promise<HubServer> {
  const requests: string[] = [];
  const faults = new Map<string, Fault>();
  const sockets = new Set<import('node:net').Socket>();
  // CORS on every answer (as the hub does), so a page can tell a 404 or an HTML page from a network error.
  const cors = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
  const send = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { 'content-type': 'text/plain', ...cors }).end(body);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(decodeURIComponent(url.pathname));
    if (!m) return send(res, 404, 'Repository not found');
    const [, repo, revision, file] = m as unknown as [string, string, string, string];
    requests.push(`${repo}/${file}`);
    const served = repos[repo];
    const fault = faults.get(file) ?? faults.get(`${repo}/${file}`);
    if (!served) return send(res, 404, 'Repository not found');
    const folder = typeof served === 'string' ? served : served.folder;
    if (typeof served !== 'string' && !served.revisions.includes(revision)) {
      return res.writeHead(404, { 'content-type': 'text/plain', 'x-error-code': 'RevisionNotFound', ...cors }).end('Revision not found');
    }
    if (fault === 'hang') return; // never answers (the connection stays open until close())
    if (fault === 'html') return res.writeHead(200, { 'content-type': 'text/html', ...cors }).end('<!DOCTYPE html><html><body>Please log in</body></html>');
    const path = join(folder, file);
    if (fault === 'missing' || !existsSync(path) || !statSync(path).isFile()) return send(res, 404, 'Entry not found');
    let bytes = readFileSync(path);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'accept-ranges': 'bytes',
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'x-linked-size, x-linked-etag, etag, content-length, content-range, accept-ranges',
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (file.endsWith('.onnx') || file.endsWith('_data')) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      headers['x-linked-size'] = String(bytes.length);
      headers['x-linked-etag'] = `"${sha}"`;
      headers['etag'] = `"${sha}"`;
    } else {
      // a regular (non-LFS) file: the hub's ETag is the git blob id (40 hex digits, not a SHA-256)
      headers['etag'] = `"${createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')}"`;
    }
    // Range (as the hub's CDN answers it): one `bytes=a-b` / `a-` / `-n` range gives 206 with that slice.
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let status = 200;
    if (range && (range[1] || range[2])) {
      const size = bytes.length;
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || end < start) {
        return res.writeHead(416, { 'content-range': `bytes */${size}`, ...cors }).end();
      }
      bytes = bytes.subarray(start, end + 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
      headers['content-length'] = String(bytes.length);
    }
    if (req.method === 'HEAD') return res.writeHead(status, headers).end();
    res.writeHead(status, headers);
    if (fault === 'cut') {
      res.write(bytes.subarray(0, Math.floor(bytes.length / 3)));
      setTimeout(() => res.destroy(), 30);
      return;
    }
    if (fault === 'stall') {
      res.write(bytes.subarray(0, Math.floor(bytes.length / 3))); // then nothing more, connection open
      return;
    }
    if (fault === 'slow') {
      let at = 0;
      const chunk = 64 * 1024;
      const tick = () => {
        if (res.destroyed) return;
        if (at >= bytes.length) return void res.end();
        res.write(bytes.subarray(at, at + chunk));
        at += chunk;
        setTimeout(tick, 20);
      };
      return tick();
    }
    res.end(bytes);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
