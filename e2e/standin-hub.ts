/**
 * The stand-ins (models/standins/, README "Stand-ins for the hub's open models") served by the hub
 * stand-in (./hub-server.ts) under the REAL repo ids and revisions of the catalog (src/engine/catalog.ts),
 * so the page and the CLI load them exactly as they would load the real exports: a catalog model's id
 * `org/name` at its `revision` answers with the stand-in of its family and exporter style; any other
 * revision gets the hub's 404 "Revision not found".
 *
 * The 360M SmolLM2 pair has no stand-in of its own: it is the same family, exporter style, tokenizer and
 * graph interface as the 135M pair (only the sizes differ), so its ids serve the 135M stand-ins.
 */
import { resolve } from 'node:path';
import { CATALOG, type CatalogModel } from '../src/engine/catalog';
import { startHubServer, type HubServer, type ServedRepo } from './hub-server';

export const STANDINS_DIR = resolve(import.meta.dirname, '../models/standins');

/** Catalog pair id → the stand-in folder (under models/standins/) of its base and of its tuned model. */
export const STANDIN_OF_PAIR: Record<string, { base: string | null; tuned: string | null }> = {
  'smollm2-135m': { base: 'smollm2-base-optimum', tuned: 'smollm2-optimum' },
  'smollm2-360m': { base: 'smollm2-base-optimum', tuned: 'smollm2-optimum' },
  'qwen2.5-0.5b': { base: 'qwen2.5-base-optimum', tuned: 'qwen2.5-optimum' },
  'qwen3-0.6b': { base: null, tuned: 'qwen3-genai' }, // the catalog has no Qwen3 base export
  'gemma-3-270m': { base: 'gemma-3-base-custom', tuned: 'gemma-3-custom' },
};

export interface StandinRepo {
  pair: string;
  side: 'base' | 'tuned';
  /** `org/name` as the catalog lists it */
  repo: string;
  revision: string;
  /** what a user types or a share link holds: `org/name`, or `org/name@rev` when the catalog pins one */
  id: string;
  /** the stand-in's folder name under models/standins/ */
  standin: string;
  folder: string;
}

/** Every hub model of the catalog with its stand-in. Throws if a catalog hub model has none (a new
 *  catalog entry must get a stand-in, or be mapped here honestly). */
export function standinRepos(): StandinRepo[] {
  const out: StandinRepo[] = [];
  for (const pair of CATALOG) {
    for (const side of ['base', 'tuned'] as const) {
      const m: CatalogModel | null = pair[side];
      if (!m) continue;
      const standin = STANDIN_OF_PAIR[pair.id]?.[side];
      if (!standin) throw new Error(`catalog model ${m.repo} (${pair.id} ${side}) has no stand-in in e2e/standin-hub.ts`);
      out.push({
        pair: pair.id,
        side,
        repo: m.repo,
        revision: m.revision,
        id: m.revision === 'main' ? m.repo : `${m.repo}@${m.revision}`,
        standin,
        folder: resolve(STANDINS_DIR, standin),
      });
    }
  }
  return out;
}

/** The hub stand-in serving every catalog hub model's stand-in at the catalog's revision (and extra
 *  repos, e.g. the lab-grown folders, as given). */
export async function startStandinHub(extra: Record<string, string | ServedRepo> = {}, port = 0): Promise<HubServer & { repos: StandinRepo[] }> {
  const repos = standinRepos();
  const served: Record<string, ServedRepo> = {};
  for (const r of repos) served[r.repo] = { folder: r.folder, revisions: [r.revision] };
  const hub = await startHubServer({ ...served, ...extra }, port);
  return Object.assign(hub, { repos });
}
