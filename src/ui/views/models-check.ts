/**
 * "Check" a model before any large download: read only `config.json` and `tokenizer_config.json`
 * (small), then ask for the ONNX file of the chosen variant with a HEAD request (its size, or that it
 * is missing). Works for hub ids, folder URLs, and a local folder chosen by the user (its files as
 * Blobs). DOM-free.
 */
import { isLabError, ModelFileError } from '../../engine/errors';
import { registerLocalFolder } from '../local-folders';
import { hubSource, metaOf, modelSourceProblem, onnxFileFor, parseHubId, readJson, urlSource, type FileSource } from '../../engine/files';
import type { Dtype } from '../../engine/types';

export interface Presence {
  exists: boolean;
  size?: number;
  /** Why it is missing or could not be asked about. */
  reason?: string;
}

export interface CheckTarget {
  label: string;
  /** What to pass as a model source to load it (null when it cannot be loaded by name, e.g. a local folder). */
  loadAs: string | null;
  source: FileSource;
  presence(file: string, signal?: AbortSignal): Promise<Presence>;
}

export interface CheckLine {
  level: 'ok' | 'warn' | 'error';
  text: string;
}

export interface CheckReport {
  ok: boolean;
  lines: CheckLine[];
  /** Bytes of the ONNX file(s) of the chosen variant, when the server said. */
  onnxBytes: number | null;
}

function headPresence(baseUrl: string, fetchImpl: typeof fetch): CheckTarget['presence'] {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (file, signal) => {
    const url = new URL(file, base).href;
    let res: Response;
    try {
      res = await fetchImpl(url, { method: 'HEAD', ...(signal ? { signal } : {}) });
    } catch (err) {
      return { exists: false, reason: `could not be reached at ${url} (${(err as Error).message}: a network error, or the server does not allow cross-origin requests)` };
    }
    if (res.status === 404 || res.status === 410) return { exists: false, reason: `is missing (HTTP ${res.status} at ${url})` };
    if (!res.ok) return { exists: false, reason: `could not be checked (HTTP ${res.status} at ${url})` };
    if ((res.headers.get('content-type') ?? '').startsWith('text/html')) return { exists: false, reason: `is an HTML page at ${url}, not a model file` };
    const { size } = metaOf(res);
    return size === undefined ? { exists: true } : { exists: true, size };
  };
}

/** A hub id (`org/name[@revision]`) or a folder URL (relative to `pageUrl`). */
export function targetFor(input: string, endpoint: string, pageUrl: string, fetchImpl: typeof fetch = fetch): CheckTarget {
  const s = input.trim();
  const problem = modelSourceProblem(s);
  if (problem) throw new ModelFileError(s.length > 60 ? `${s.slice(0, 57)}…` : s, problem);
  const hub = parseHubId(s);
  if (hub && !/^(https?:|blob:|\.|\/)/.test(s) && !s.endsWith('/')) {
    const root = `${endpoint.replace(/\/+$/, '')}/${hub.id}/resolve/${encodeURIComponent(hub.revision)}/`;
    return {
      label: `${hub.id}@${hub.revision}`,
      loadAs: s,
      source: hubSource(hub.id, { endpoint, revision: hub.revision, fetchImpl }),
      presence: headPresence(root, fetchImpl),
    };
  }
  const url = new URL(s.endsWith('/') ? s : `${s}/`, pageUrl).href;
  return { label: s, loadAs: s, source: urlSource(url, s, fetchImpl), presence: headPresence(url, fetchImpl) };
}

/** A local folder's files (paths relative to the model folder, e.g. `onnx/model.onnx`). */
export function blobTarget(label: string, files: Map<string, Blob>): CheckTarget {
  return {
    label,
    // Kept for this page's lifetime, so that "Load as base/tuned" can hand the files to a model worker.
    loadAs: registerLocalFolder(label, files),
    source: {
      label,
      name: label,
      async readBytes(file, options = {}) {
        const blob = files.get(file);
        if (!blob) {
          if (options.optional) return null;
          throw Object.assign(new Error(`${file}: is missing from the folder`), { name: 'ModelFileError' });
        }
        const bytes = new Uint8Array(await blob.arrayBuffer());
        options.onProgress?.(bytes.length, bytes.length);
        return bytes;
      },
    },
    async presence(file) {
      const blob = files.get(file);
      return blob ? { exists: true, size: blob.size } : { exists: false, reason: 'is missing from the folder' };
    },
  };
}

/** Paths of a chosen folder relative to the model folder: drop the first path part (the folder's own
 *  name) when every file has it. */
export function folderFiles(entries: { path: string; blob: Blob }[]): Map<string, Blob> {
  const parts = entries.map((e) => e.path.replace(/^\/+/, '').split('/'));
  const first = parts[0]?.[0];
  const strip = parts.length > 0 && parts.every((p) => p.length > 1 && p[0] === first);
  return new Map(entries.map((e, i) => [(strip ? parts[i]!.slice(1) : parts[i]!).join('/'), e.blob]));
}

const CAUSAL = /ForCausalLM$|LMHeadModel$|ForConditionalGeneration$/;

function message(err: unknown): string {
  return err instanceof Error || (typeof err === 'object' && err && 'message' in err) ? String((err as Error).message) : String(err);
}

export async function checkModel(target: CheckTarget, dtype: Dtype, signal?: AbortSignal): Promise<CheckReport> {
  const lines: CheckLine[] = [];
  const fail = (text: string): CheckReport => {
    lines.push({ level: 'error', text });
    return { ok: false, lines, onnxBytes: null };
  };
  // 1. config.json: a causal language model?
  let config: Record<string, unknown>;
  try {
    config = (await readJson(target.source, 'config.json', signal ? { signal } : {}))!;
  } catch (err) {
    if (isLabError(err, 'LabAbortError')) throw err;
    return fail(message(err));
  }
  const architectures = Array.isArray(config['architectures']) ? (config['architectures'] as unknown[]).map(String) : [];
  const modelType = typeof config['model_type'] === 'string' ? config['model_type'] : '';
  if (architectures.length && !architectures.some((a) => CAUSAL.test(a))) {
    return fail(`config.json: not a causal language model (architectures: ${architectures.join(', ')}); the lab needs one that predicts the next token`);
  }
  if (!modelType) return fail('config.json: has no model_type');
  lines.push({
    level: 'ok',
    text: `config.json: ${modelType}${architectures.length ? ` (${architectures.join(', ')})` : ' (no architectures listed)'}`,
  });
  // 2. tokenizer_config.json: a chat template?
  let tokenizerConfig: Record<string, unknown>;
  try {
    tokenizerConfig = (await readJson(target.source, 'tokenizer_config.json', signal ? { signal } : {}))!;
  } catch (err) {
    if (isLabError(err, 'LabAbortError')) throw err;
    return fail(message(err));
  }
  let chat = Boolean(tokenizerConfig['chat_template']);
  if (!chat) chat = (await target.presence('chat_template.jinja', signal)).exists;
  lines.push(
    chat
      ? { level: 'ok', text: 'tokenizer_config.json: has a chat template' }
      : { level: 'warn', text: 'tokenizer_config.json: no chat template (the chat template of the lab is unavailable for this model; plain text works)' },
  );
  const tok = await target.presence('tokenizer.json', signal);
  if (!tok.exists) return fail(`tokenizer.json ${tok.reason ?? 'is missing'}`);
  // 3. the ONNX file of the chosen variant, and its external data
  const onnx = onnxFileFor(dtype);
  const found = await target.presence(onnx, signal);
  if (!found.exists) return fail(`${onnx} ${found.reason ?? 'is missing'}: this repo lacks the ONNX file for ${dtype}`);
  let bytes = found.size ?? null;
  const jsConfig = (config['transformers.js_config'] ?? {}) as Record<string, unknown>;
  const ext = jsConfig['use_external_data_format'];
  const extCount =
    typeof ext === 'object' && ext ? Number((ext as Record<string, unknown>)[onnx.slice('onnx/'.length)] ?? (ext as Record<string, unknown>)[dtype] ?? 0) : ext ? 1 : 0;
  for (let i = 0; i < extCount; i++) {
    const name = `${onnx}_data${i === 0 ? '' : `_${i}`}`;
    const d = await target.presence(name, signal);
    if (!d.exists) return fail(`${name} ${d.reason ?? 'is missing'}: the external weights of ${onnx}`);
    bytes = bytes !== null && d.size !== undefined ? bytes + d.size : null;
  }
  lines.push({
    level: 'ok',
    text: `${onnx}${extCount ? ` (+${extCount} external data file${extCount > 1 ? 's' : ''})` : ''}: present${bytes !== null ? `, ${bytes.toLocaleString('en-US')} bytes` : ', size not given'}`,
  });
  return { ok: true, lines, onnxBytes: bytes };
}
