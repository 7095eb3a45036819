/**
 * `npm run models -- <command>`: manage model files for the CLI and for a self-hosted site.
 *   fetch <org/name[@revision]> [--dtype q4] [--out models/<name>]   download a hub model into a folder
 *   list                                                               models in the CLI's cache
 *   rm <cache key>                                                     delete one from the cache
 * `--cache-dir <dir>` and `$HF_ENDPOINT` work as in the lab CLI.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cachedSource, hubCacheKey } from '../engine/cache';
import { folderCache } from '../engine/node-files';
import { isLabError, ModelFileError } from '../engine/errors';
import { DEFAULT_HUB_ENDPOINT, hubSource, onnxFileFor, parseHubId, readJson } from '../engine/files';
import { createNodeEngine, defaultCacheDir } from '../engine/node';
import type { Dtype } from '../engine/types';

const DTYPES: Dtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL = ['generation_config.json', 'special_tokens_map.json', 'chat_template.jinja'];

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export async function fetchModel(
  spec: string,
  o: { dtype: Dtype; out?: string; cacheDir?: string; endpoint?: string; log?: (line: string) => void },
): Promise<{ folder: string; files: { file: string; bytes: number }[] }> {
  const hub = parseHubId(spec);
  if (!hub) throw new ModelFileError(spec, 'is not a hub id (expected org/name or org/name@revision)');
  const endpoint = o.endpoint ?? process.env['HF_ENDPOINT'] ?? DEFAULT_HUB_ENDPOINT;
  const source = cachedSource(hubSource(hub.id, { endpoint, revision: hub.revision }), folderCache(o.cacheDir ?? defaultCacheDir()), hubCacheKey(hub.id, endpoint, hub.revision));
  const folder = resolve(o.out ?? join('models', hub.id.split('/')[1]!));
  const log = o.log ?? (() => {});
  const got = new Map<string, Uint8Array>();
  const progress = (file: string) => {
    const t0 = Date.now();
    let last = 0;
    return (loaded: number, total: number) => {
      const now = Date.now();
      if (now - last < 1000 && loaded !== total) return;
      last = now;
      const rate = loaded / Math.max(1, (now - t0) / 1000);
      const eta = total && rate > 0 ? ` ETA ${Math.ceil((total - loaded) / rate)} s` : '';
      log(`${file}: ${mb(loaded)}${total ? ` of ${mb(total)} (${((loaded / total) * 100).toFixed(0)}%)${eta}` : ''}`);
    };
  };
  // Small files first: a repo that is not a causal LM, or has no such ONNX file, fails before the
  // large download starts.
  for (const file of REQUIRED) got.set(file, (await source.readBytes(file, { onProgress: progress(file) }))!);
  const config = (await readJson({ ...source, readBytes: async () => got.get('config.json')! }, 'config.json'))!;
  const archs = (config['architectures'] as string[] | undefined) ?? [];
  if (archs.length && !archs.some((a) => /ForCausalLM$|LMHeadModel$|ForConditionalGeneration$/.test(a))) {
    throw new ModelFileError('config.json', `is not a causal language model (architectures: ${archs.join(', ')})`);
  }
  for (const file of OPTIONAL) {
    const b = await source.readBytes(file, { optional: true });
    if (b) got.set(file, b);
  }
  const onnx = onnxFileFor(o.dtype);
  got.set(onnx, (await source.readBytes(onnx, { onProgress: progress(onnx) }))!);
  const data = await source.readBytes(`${onnx}_data`, { optional: true, onProgress: progress(`${onnx}_data`) });
  if (data) got.set(`${onnx}_data`, data);

  // Write into a temporary folder, check that the engine loads it, then move it into place.
  const tmp = `${folder}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  for (const [file, bytes] of got) {
    await mkdir(dirname(join(tmp, file)), { recursive: true });
    await writeFile(join(tmp, file), bytes);
  }
  const engine = createNodeEngine('node');
  try {
    await engine.load(tmp, { dtype: o.dtype });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await engine.dispose();
  }
  await rm(folder, { recursive: true, force: true });
  await mkdir(dirname(folder), { recursive: true });
  await rename(tmp, folder);
  return { folder, files: [...got].map(([file, b]) => ({ file, bytes: b.length })) };
}

export async function modelsMain(argv: string[], out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  const usage = 'usage: npm run models -- fetch <org/name[@revision]> [--dtype fp32|fp16|q8|int8|uint8|q4|q4f16|bnb4] [--out <folder>] [--cache-dir <dir>]\n       npm run models -- list [--cache-dir <dir>]\n       npm run models -- rm <cache key> [--cache-dir <dir>]';
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { dtype: { type: 'string' }, out: { type: 'string' }, 'cache-dir': { type: 'string' } } }));
  } catch (e) {
    err(`usage error: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  const cacheDir = values['cache-dir'] as string | undefined;
  try {
    if (command === 'fetch') {
      const spec = positionals[0];
      const dtype = (values['dtype'] as Dtype | undefined) ?? 'fp32';
      if (!spec || !DTYPES.includes(dtype)) {
        err(usage);
        return 2;
      }
      const r = await fetchModel(spec, { dtype, ...(values['out'] ? { out: values['out'] as string } : {}), ...(cacheDir ? { cacheDir } : {}), log: err });
      out(`fetched ${spec} (${dtype}) into ${r.folder}: ${r.files.map((f) => `${f.file} ${mb(f.bytes)}`).join(', ')}`);
      return 0;
    }
    if (command === 'list') {
      const models = await folderCache(cacheDir ?? defaultCacheDir()).list();
      if (!models.length) out(`no models cached in ${cacheDir ?? defaultCacheDir()}`);
      for (const m of models) {
        out(`${m.key}  ${mb(m.bytes)}  ${m.files.map((f) => f.file).join(', ')}${m.damaged ? `  (${m.damaged} damaged)` : '  (verified)'}`);
        for (const f of m.files) if (f.problem) out(`  damaged: ${f.file} ${f.problem} (fetched again on the next load, or: npm run models -- rm ${m.key})`);
      }
      return 0;
    }
    if (command === 'rm' && positionals[0]) {
      await folderCache(cacheDir ?? defaultCacheDir()).remove(positionals[0]);
      out(`removed ${positionals[0]}`);
      return 0;
    }
    err(usage);
    return 2;
  } catch (e) {
    err(`error: ${isLabError(e) ? `${(e as Error).name}: ${(e as Error).message}` : ((e as Error)?.stack ?? String(e))}`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isEntry) {
  process.exitCode = await modelsMain(process.argv.slice(2), (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`${l}\n`));
}
