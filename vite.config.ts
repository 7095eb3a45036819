/**
 * World Prior Lab: a Lit + TypeScript page; one Web Worker (ES module) per loaded model.
 *
 * - COOP/COEP on the dev and preview servers, so the page is cross-origin isolated and onnxruntime's
 *   WASM backend can use threads.
 * - ONE onnxruntime wasm (`ort-wasm-simd-threaded.asyncify.wasm`, the file `onnxruntime-web/webgpu`
 *   needs; its .mjs glue is embedded in the bundle) is served at `ort/` in dev and copied to
 *   `dist/ort/` by the build. The engine points onnxruntime at it (`wasmBase`); nothing comes from a CDN.
 *   The bundle's own `new URL('ort-wasm-….wasm', import.meta.url)` fallback is rewritten in the build so
 *   that Vite does not emit a second, hashed copy of the 27 MB file into `dist/assets/`.
 * - The lab-grown family (`models/lab-base/`, `models/lab-sft/`, `models/lab-rl/`) is served at `./models/…` in dev and
 *   copied into `dist/models/` (hub-layout files only: JSON, onnx/, README.md; never `models/train/`).
 */
import { createReadStream, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const ORT_WASM = 'ort-wasm-simd-threaded.asyncify.wasm';
const ortWasmPath = resolve(root, 'node_modules/onnxruntime-web/dist', ORT_WASM);
/** Model folders served with the site: the lab-grown pair and any hub-layout folder that
 *  `npm run models -- fetch` put in models/ (every folder with a config.json, except the build tool). */
function modelFolders(): string[] {
  const dir = resolve(root, 'models');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n !== 'train' && existsSync(join(dir, n, 'config.json')));
}
const MODELS = modelFolders();

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Files of a hub-layout model folder that the page may load (relative paths, `/` separated):
 *  config/tokenizer/generation JSON, the chat template, README.md and onnx/ — not reference data or
 *  training material that may sit next to them. */
const HUB_FILES = new Set([
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'README.md',
  // what the lab-grown family was trained on, shown on the page (models/lab-sft, models/lab-rl)
  'tuning-corpus.jsonl',
  'held-out-prompts.json',
  'reward.json',
  'rl-training.json',
]);
function isHubFile(rel: string): boolean {
  return HUB_FILES.has(rel) || /^onnx\/[\w.-]+\.onnx(_data(_\d+)?)?$/.test(rel);
}

const mime: Record<string, string> = {
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.jinja': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

function sendFile(res: Parameters<Connect.NextHandleFunction>[1], path: string): void {
  const size = statSync(path).size;
  res.setHeader('Content-Type', mime[extname(path)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(size));
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  createReadStream(path).pipe(res);
}

/** Build only: keep the ORT bundle's fallback wasm URL out of Vite's asset pipeline. We always set
 *  `wasmPaths`, so the fallback is never used; rewritten, it points at the same `dist/ort/` copy
 *  (workers live in `dist/assets/`). */
function oneOrtWasm(): Plugin {
  const needle = `new URL("${ORT_WASM}",import.meta.url)`;
  return {
    name: 'world-prior-lab-one-ort-wasm',
    apply: 'build',
    transform(code, id) {
      if (!/onnxruntime-web[\\/]dist[\\/]/.test(id) || !code.includes(needle)) return null;
      return { code: code.split(needle).join(`new URL("../ort/"+"${ORT_WASM}",import.meta.url)`), map: null };
    },
  };
}

/** `ort/<wasm>` and `models/lab-*` in dev; copies of both into the build output. */
function labAssets(): Plugin {
  let outDir = resolve(root, 'dist');
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]!);
    if (url === `/ort/${ORT_WASM}`) return sendFile(res, ortWasmPath);
    const m = /^\/models\/([^/]+)\/(.+)$/.exec(url);
    if (m && MODELS.includes(m[1]!) && isHubFile(m[2]!)) {
      const path = normalize(join(root, 'models', m[1]!, m[2]!));
      if (path.startsWith(join(root, 'models') + sep) && existsSync(path) && statSync(path).isFile()) return sendFile(res, path);
      res.statusCode = 404;
      res.end(`not found: ${url}`);
      return;
    }
    next();
  };
  return {
    name: 'world-prior-lab-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
    async writeBundle() {
      await mkdir(join(outDir, 'ort'), { recursive: true });
      await cp(ortWasmPath, join(outDir, 'ort', ORT_WASM));
      for (const name of MODELS) {
        const src = join(root, 'models', name);
        if (!existsSync(src)) {
          this.warn(`models/${name}/ does not exist yet; dist/ will have no lab-grown ${name}`);
          continue;
        }
        const files = (await readdir(src, { recursive: true }))
          .map((f) => relative(src, join(src, f)).split(sep).join('/'))
          .filter((f) => isHubFile(f) && statSync(join(src, f)).isFile());
        for (const f of files) {
          await mkdir(dirname(join(outDir, 'models', name, f)), { recursive: true });
          await cp(join(src, f), join(outDir, 'models', name, f));
        }
      }
      // The service worker's precache list: every file of the site, so that a reload with the server
      // gone still opens the lab and runs the lab-grown pair.
      const all = (await readdir(outDir, { recursive: true }))
        .map((f) => relative(outDir, join(outDir, f)).split(sep).join('/'))
        .filter((f) => statSync(join(outDir, f)).isFile() && f !== 'sw.js' && f !== 'precache.json');
      const version = all.map((f) => `${f}:${statSync(join(outDir, f)).size}`).join('|');
      let h = 0;
      for (let i = 0; i < version.length; i++) h = (Math.imul(h, 31) + version.charCodeAt(i)) >>> 0;
      writeFileSync(join(outDir, 'precache.json'), JSON.stringify({ version: h.toString(16), files: ['./', ...all.map((f) => `./${f}`)] }));
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [labAssets(), oneOrtWasm()],
  // Workers are bundled separately and get their own plugin list.
  worker: { format: 'es', plugins: () => [oneOrtWasm()] },
  optimizeDeps: {
    // onnxruntime-web's bundle locates its wasm itself; pre-bundling would only move it around.
    exclude: ['onnxruntime-web', '@huggingface/transformers'],
  },
  server: { host: '127.0.0.1', headers: isolationHeaders },
  preview: { host: '127.0.0.1', headers: isolationHeaders },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
});
