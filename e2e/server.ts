/**
 * A tiny static server for the end-to-end tests: serves the BUILT site (dist/) on 127.0.0.1 at a
 * random free port, with the headers the page needs (COOP/COEP, so it is cross-origin isolated and
 * WASM threads work; correct MIME types for .wasm and .js), plus fixture routes:
 *
 * - `/fixtures/broken-model/…`: a model folder whose `onnx/model.onnx` is an HTML page (committed in
 *   e2e/fixtures/broken-model/); its JSON files are the lab-base ones, read from dist/models/lab-base/
 *   at request time rather than committed as copies.
 * - `/slow/<path>`: any dist/ file, streamed slowly (to test Cancel while loading).
 *
 * Every request path is recorded in `requests` (tests check that nothing else was fetched).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = resolve(here, '..');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticServer {
  origin: string;
  /** Paths (with query) requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Resolve `rel` inside `dir`, refusing anything that climbs out of it. */
function inside(dir: string, rel: string): string | null {
  const path = normalize(join(dir, rel));
  if (path !== dir && !path.startsWith(dir + sep)) return null;
  return path;
}

function send(req: IncomingMessage, res: ServerResponse, path: string, contentType?: string, slow = false): void {
  const size = statSync(path).size;
  res.writeHead(200, {
    'Content-Type': contentType ?? MIME[extname(path)] ?? 'application/octet-stream',
    'Content-Length': String(size),
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') return void res.end();
  if (!slow) return void createReadStream(path).pipe(res);
  // ~640 KB/s in 64 KB pieces: a 10 MB model takes ~15 s, long enough to press Cancel.
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  stream.on('data', (chunk) => {
    stream.pause();
    res.write(chunk, () => setTimeout(() => stream.resume(), 100));
  });
  stream.on('end', () => res.end());
  res.on('close', () => stream.destroy());
}

/** `mounts`: extra folders served under a URL prefix (e.g. `{ '/graphs/': dir }` for test graphs built
 *  at test time). */
export async function startServer(distDir = join(repoRoot, 'dist'), mounts: Record<string, string> = {}): Promise<StaticServer> {
  const dist = resolve(distDir);
  const fixtures = join(repoRoot, 'e2e', 'fixtures');
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`${dist}/index.html is missing: run \`npm run build\` first`);
  const requests: string[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    // Cross-origin isolation for the page and its workers; every response is same-origin.
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }

    let slow = false;
    if (pathname.startsWith('/slow/')) {
      slow = true;
      pathname = pathname.slice('/slow'.length);
    }

    if (pathname.startsWith('/fixtures/broken-model/')) {
      const rel = pathname.slice('/fixtures/broken-model/'.length);
      const own = inside(join(fixtures, 'broken-model'), rel);
      if (own && existsSync(own) && statSync(own).isFile()) {
        // The "model" is an HTML page, served as one (like a login page or an SPA fallback would be).
        return send(req, res, own, rel.endsWith('.onnx') ? 'text/html; charset=utf-8' : undefined);
      }
      const borrowed = /^[\w.-]+\.json$/.test(rel) ? inside(join(dist, 'models', 'lab-base'), rel) : null;
      if (borrowed && existsSync(borrowed)) return send(req, res, borrowed);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }

    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!pathname.startsWith(prefix)) continue;
      const file = inside(resolve(dir), pathname.slice(prefix.length));
      if (file && existsSync(file) && statSync(file).isFile()) return send(req, res, file);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }

    const rel = pathname.endsWith('/') ? `${pathname}index.html` : pathname;
    const path = inside(dist, rel.slice(1));
    if (!path || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    send(req, res, path, undefined, slow);
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// `npx tsx e2e/server.ts`: serve dist/ by hand.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await startServer();
  console.log(`serving dist/ at ${s.origin}/`);
}
