/**
 * Curated base / instruction-tuned pairs of small open language models that share a tokenizer, with
 * the Hugging Face hub repos that hold ONNX exports in the transformers.js layout (`onnx/model.onnx`,
 * `onnx/model_fp16.onnx`, `onnx/model_q4.onnx`, `onnx/model_q4f16.onnx`, `onnx/model_quantized.onnx`
 * (q8), `onnx/model_int8.onnx`, `onnx/model_uint8.onnx`, `onnx/model_bnb4.onnx`, possibly with
 * `*.onnx_data` external data).
 *
 * Provenance. Every fact comes from a stored copy of a public page, listed in the pair's `sources`.
 * The hub itself was not reachable when this was written, so:
 * - `bytes` are APPROXIMATE: the hub's file listing shows decimal MB/GB with three significant
 *   digits (654 MB → 654_000_000, 1.99 GB → 1_990_000_000). Use them for "about N MB" and for
 *   progress totals before the server's Content-Length arrives, never for integrity checks.
 * - `pinned: false` means `revision` is `main`: no stored listing of the current file set carried a
 *   full 40-hex commit id. Loading `main` can change under us; pin when a hash is confirmed.
 * - A model with an EMPTY `variants` list has evidence of an ONNX export (public code loads it by
 *   that repo id and file name), but no stored file listing with sizes was found. Its variants are
 *   left out rather than guessed; the loader must discover the files (and their sizes) itself.
 * - `contextLength` is `max_position_embeddings` from a config.json where one was stored; the
 *   pair's `notes` say when it comes from a derived model's config or from the family instead.
 * - `needs: ['shader-f16']`: fp16 and q4f16 variants keep float16 tensors and need the WebGPU
 *   `shader-f16` feature; the WASM backend runs every variant.
 */
import type { Dtype } from './types';

export interface CatalogVariant {
  dtype: Dtype;
  files: { path: string; bytes: number }[];
  needs: ('shader-f16')[];
}

export interface CatalogModel {
  repo: string;
  revision: string;
  pinned: boolean;
  contextLength: number;
  vocabSize?: number;
  license: string;
  variants: CatalogVariant[];
}

export interface CatalogPair {
  id: string;
  label: string;
  base: CatalogModel | null;
  tuned: CatalogModel | null;
  /** the lab-grown pair is served with the site */
  local?: { base: string; tuned: string };
  sharedTokenizer: boolean;
  notes: string;
  sources: string[];
}

export const CATALOG: CatalogPair[] = [
  {
    id: 'lab',
    label: 'Lab-grown family: base vs SFT (3.4M, ours)',
    base: null,
    tuned: null,
    local: { base: './models/lab-base/', tuned: './models/lab-sft/' },
    sharedTokenizer: true,
    notes:
      'Built by models/train (Brown corpus + WordNet definitions; lab-sft tuned on a generated chat corpus that ' +
      'does not script the seed\'s effects); always available offline. lab-tuned is an alias of lab-sft.',
    sources: [],
  },
  {
    id: 'lab-sft-rl',
    label: 'Lab-grown family: SFT vs RL (3.4M, ours)',
    base: null,
    tuned: null,
    local: { base: './models/lab-sft/', tuned: './models/lab-rl/' },
    sharedTokenizer: true,
    notes: 'lab-rl is lab-sft after policy-gradient RL against a style reward that never mentions numbers, dice or coins.',
    sources: [],
  },
  {
    id: 'lab-base-rl',
    label: 'Lab-grown family: base vs RL (3.4M, ours)',
    base: null,
    tuned: null,
    local: { base: './models/lab-base/', tuned: './models/lab-rl/' },
    sharedTokenizer: true,
    notes: 'The whole chain: pre-training only vs SFT followed by RL.',
    sources: [],
  },

  // ---------------------------------------------------------------------------------------------
  // SmolLM2-135M. The tuned model's ONNX export lives in HuggingFaceTB's own repo (onnx/ folder
  // with fp32, fp16, q4 and q4f16 only: no q8/int8/uint8/bnb4 there). No stored listing of an
  // onnx/ folder in HuggingFaceTB/SmolLM2-135M (base) was found; the base export used here is
  // onnx-community/SmolLM2-135M-ONNX, which public code loads with onnx/model_q4f16.onnx and q4,
  // but whose file sizes were not found, hence no variants.
  {
    id: 'smollm2-135m',
    label: 'SmolLM2 135M (base / Instruct)',
    base: {
      repo: 'onnx-community/SmolLM2-135M-ONNX',
      revision: 'main',
      pinned: false,
      contextLength: 8192,
      vocabSize: 49152,
      license: 'apache-2.0',
      variants: [],
    },
    tuned: {
      repo: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      // The listing at this commit shows the same onnx/ file set as main (last onnx/ commit a5cf62c,
      // "Upload improved fp16 ONNX weights (#6)", GQA export).
      revision: '45dead349c328fe92a861c5162de28c8c86754e1',
      pinned: true,
      contextLength: 8192,
      vocabSize: 49152,
      license: 'apache-2.0',
      variants: [
        { dtype: 'fp32', files: [{ path: 'onnx/model.onnx', bytes: 654_000_000 }], needs: [] },
        { dtype: 'fp16', files: [{ path: 'onnx/model_fp16.onnx', bytes: 327_000_000 }], needs: ['shader-f16'] },
        { dtype: 'q4', files: [{ path: 'onnx/model_q4.onnx', bytes: 200_000_000 }], needs: [] },
        { dtype: 'q4f16', files: [{ path: 'onnx/model_q4f16.onnx', bytes: 134_000_000 }], needs: ['shader-f16'] },
      ],
    },
    sharedTokenizer: true,
    notes:
      'Tuned: pinned commit; sizes approximate from the hub listing. Context 8192 and vocab 49152 are from ' +
      'the Instruct config.json (blob eba0825); for the base they come from configs of fine-tunes whose ' +
      '_name_or_path is HuggingFaceTB/SmolLM2-135M (same values, bos 1 / eos 2), as the base config.json ' +
      'was not stored. Base licence taken as the family\'s apache-2.0 (the base model card was not stored). ' +
      'Base ONNX repo (onnx-community/SmolLM2-135M-ONNX) is known only from public code that loads it ' +
      '(onnx/model_q4f16.onnx, q4); its listing, sizes and a pin were not found, so it has no variants. ' +
      'An onnx-community/SmolLM2-135M-Instruct-ONNX-GQA copy also exists (its onnx/ listing was not stored).',
    sources: [
      'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/tree/45dead349c328fe92a861c5162de28c8c86754e1/onnx',
      'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/tree/main/onnx',
      'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/discussions/6',
      'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/blob/eba0825ddc7730d24a88685a6c0a078cf919b383/config.json',
      'https://huggingface.co/Lawrence-K/SmolLM2-FT-Model/blob/main/config.json',
      'https://huggingface.co/Rea-per/smol_course_module1/blob/main/config.json',
      'https://huggingface.co/onnx-community/SmolLM2-135M-Instruct-ONNX-GQA/tree/main',
    ],
  },

  // ---------------------------------------------------------------------------------------------
  // SmolLM2-360M. Same situation as 135M: the Instruct export is in HuggingFaceTB's repo (fp32,
  // fp16, q4, q4f16), the base export is onnx-community/SmolLM2-360M-ONNX (known from public code
  // that loads its q4 variant), with no stored listing.
  {
    id: 'smollm2-360m',
    label: 'SmolLM2 360M (base / Instruct)',
    base: {
      repo: 'onnx-community/SmolLM2-360M-ONNX',
      revision: 'main',
      pinned: false,
      contextLength: 8192,
      license: 'apache-2.0',
      variants: [],
    },
    tuned: {
      repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
      // Unpinned: the stored listing of the current files (last onnx/ commit 6d8b2a3, "Upload improved
      // ONNX weights (#7)") is of `main` and shows no full commit id.
      revision: 'main',
      pinned: false,
      contextLength: 8192,
      license: 'apache-2.0',
      variants: [
        { dtype: 'fp32', files: [{ path: 'onnx/model.onnx', bytes: 1_640_000_000 }], needs: [] },
        { dtype: 'fp16', files: [{ path: 'onnx/model_fp16.onnx', bytes: 819_000_000 }], needs: ['shader-f16'] },
        { dtype: 'q4', files: [{ path: 'onnx/model_q4.onnx', bytes: 417_000_000 }], needs: [] },
        { dtype: 'q4f16', files: [{ path: 'onnx/model_q4f16.onnx', bytes: 299_000_000 }], needs: ['shader-f16'] },
      ],
    },
    sharedTokenizer: true,
    notes:
      'Tuned: UNPINNED (main); sizes approximate from the main listing. No config.json of the 360M models ' +
      'was stored: context 8192 is the SmolLM2 family value (the 135M configs), and vocabSize is left out ' +
      '(the family tokenizer has 49152 entries, not confirmed here for 360M). The first ONNX upload (commit ' +
      '276c40be, before the "improved" re-export #7) had exact LFS sizes 1638675174 / 819612409 / 417376345 / ' +
      '299634248 bytes for fp32 / fp16 / q4 / q4f16; the current files may differ slightly. Base ONNX repo ' +
      '(onnx-community/SmolLM2-360M-ONNX) is known only from public code that loads it (q4); listing, sizes ' +
      'and pin not found, so no variants. Licence apache-2.0 from the Instruct page; base assumed the same.',
    sources: [
      'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct/tree/main/onnx',
      'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct/discussions/7',
      'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct/commit/276c40be3f547f0ea8efb8352f018d9b03827dda',
      'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct/commits/main/onnx/model.onnx',
    ],
  },

  // ---------------------------------------------------------------------------------------------
  // Qwen2.5-0.5B. onnx-community holds both; the Instruct listing (one upload, 516c8d0) has all
  // eight dtypes as single files (no external data). The base repo onnx-community/Qwen2.5-0.5B is
  // loaded by public code (q4, q4f16) but its listing was not stored.
  {
    id: 'qwen2.5-0.5b',
    label: 'Qwen2.5 0.5B (base / Instruct)',
    base: {
      repo: 'onnx-community/Qwen2.5-0.5B',
      revision: 'main',
      pinned: false,
      contextLength: 32768,
      vocabSize: 151936,
      license: 'apache-2.0',
      variants: [],
    },
    tuned: {
      repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
      // Unpinned: the commit list shows only short ids (head cc5cc01 "[Automated] Update base model
      // metadata", weights 516c8d0 "Upload folder using huggingface_hub").
      revision: 'main',
      pinned: false,
      contextLength: 32768,
      vocabSize: 151936,
      license: 'apache-2.0',
      variants: [
        { dtype: 'fp32', files: [{ path: 'onnx/model.onnx', bytes: 1_990_000_000 }], needs: [] },
        { dtype: 'fp16', files: [{ path: 'onnx/model_fp16.onnx', bytes: 997_000_000 }], needs: ['shader-f16'] },
        { dtype: 'q8', files: [{ path: 'onnx/model_quantized.onnx', bytes: 512_000_000 }], needs: [] },
        { dtype: 'int8', files: [{ path: 'onnx/model_int8.onnx', bytes: 512_000_000 }], needs: [] },
        { dtype: 'uint8', files: [{ path: 'onnx/model_uint8.onnx', bytes: 512_000_000 }], needs: [] },
        { dtype: 'q4', files: [{ path: 'onnx/model_q4.onnx', bytes: 786_000_000 }], needs: [] },
        { dtype: 'q4f16', files: [{ path: 'onnx/model_q4f16.onnx', bytes: 483_000_000 }], needs: ['shader-f16'] },
        { dtype: 'bnb4', files: [{ path: 'onnx/model_bnb4.onnx', bytes: 764_000_000 }], needs: [] },
      ],
    },
    sharedTokenizer: true,
    notes:
      'Tuned: UNPINNED (main); sizes approximate from the listing. Context 32768 and vocab 151936 are from a ' +
      'mirror of the Qwen/Qwen2.5-0.5B config.json (_name_or_path Qwen/Qwen2.5-0.5B); the Instruct config was ' +
      'not stored and is assumed to match (same architecture and tokenizer). Licence apache-2.0 from the ' +
      'Qwen/Qwen2.5-0.5B-Instruct page; base assumed the same. Base ONNX repo known only from public code ' +
      'that loads it (q4, q4f16); listing, sizes and pin not found, so no variants. An ' +
      'onnx-community/Qwen2.5-0.5B-Instruct-ONNX-GQA re-export also exists (slightly smaller files).',
    sources: [
      'https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct/tree/main/onnx',
      'https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct/commits/main',
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/discussions/5',
      'https://huggingface.co/osllmai-community/Qwen2.5-0.5B/blob/main/config.json',
      'https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct-ONNX-GQA/tree/main/onnx',
    ],
  },

  // ---------------------------------------------------------------------------------------------
  // Qwen3-0.6B. The post-trained model's export is onnx-community/Qwen3-0.6B-ONNX (public code
  // loads onnx/model.onnx, model_q4.onnx, model_q4f16.onnx, model_int8.onnx, model_quantized.onnx
  // from it) but its listing was not stored. No transformers.js-layout export of Qwen3-0.6B-Base was
  // found: the only one seen, liodon-ai/Qwen3-0.6B-Base-ONNX, is an optimum export with files at the
  // repo root (model.onnx, model_fp16.onnx, model_quantized.onnx), licence "other", unvalidated. So
  // the base is null.
  {
    id: 'qwen3-0.6b',
    label: 'Qwen3 0.6B (Base / post-trained)',
    base: null,
    tuned: {
      repo: 'onnx-community/Qwen3-0.6B-ONNX',
      revision: 'main',
      pinned: false,
      contextLength: 40960,
      vocabSize: 151936,
      license: 'apache-2.0',
      variants: [],
    },
    sharedTokenizer: true,
    notes:
      'Incomplete pair: no ONNX export of Qwen/Qwen3-0.6B-Base in the transformers.js layout was found ' +
      '(liodon-ai/Qwen3-0.6B-Base-ONNX is an optimum root-level export, licence "other", not used). Tuned: ' +
      'UNPINNED, and no stored listing, so no variants (file names seen in public code: onnx/model.onnx with ' +
      'external data, model_q4.onnx, model_q4f16.onnx, model_int8.onnx, model_quantized.onnx). Context 40960 ' +
      '(max_position_embeddings) and vocab 151936 as quoted from the upstream Qwen/Qwen3-0.6B config in a ' +
      'third-party checkpoint card; the Qwen3 documentation gives 32768 as the native context. ' +
      'sharedTokenizer is the Qwen3 family claim (Base and post-trained share the tokenizer), unverified here.',
    sources: [
      'https://fast.hugflare.com/Shoolife/Qwen3-0.6B-TensorRT-LLM-Checkpoint-FP16',
      'https://www.fitmyllm.com/model/qwen3-0.6b',
      'https://skywork.ai/blog/fr/?p=43415',
    ],
  },

  // ---------------------------------------------------------------------------------------------
  // Gemma 3 270M. onnx-community/gemma-3-270m-ONNX (base) and onnx-community/gemma-3-270m-it-ONNX
  // (instruction-tuned) are both loaded by public code (q4, q4f16, int8 variants), but neither onnx/
  // listing was stored. The one stored file page (refs/pr/1 onnx/model_fp16.onnx, 259 kB) is a graph
  // whose weights live in an external-data file, whose name and size were not seen. So neither model
  // has variants.
  {
    id: 'gemma-3-270m',
    label: 'Gemma 3 270M (pt / it)',
    base: {
      repo: 'onnx-community/gemma-3-270m-ONNX',
      revision: 'main',
      pinned: false,
      contextLength: 32768,
      vocabSize: 262144,
      license: 'gemma',
      variants: [],
    },
    tuned: {
      repo: 'onnx-community/gemma-3-270m-it-ONNX',
      revision: 'main',
      pinned: false,
      contextLength: 32768,
      vocabSize: 262144,
      license: 'gemma',
      variants: [],
    },
    sharedTokenizer: true,
    notes:
      'Both UNPINNED and without variants: no stored onnx/ listing for either repo. Public code pins the base ' +
      'repo at f432e832a60ad22394057c85d45ed5007da3f571 and loads onnx/model_q4.onnx and onnx/model_int8.onnx; ' +
      'the -it repo is loaded with q4 and q4f16; its refs/pr/1 onnx/model_fp16.onnx is a 259 kB graph (weights ' +
      'in external data). Context 32768 and vocab 262144 are from the config.json of a gemma-3-270m ' +
      'fine-tune (hidden 640, 18 layers), as Google\'s config was not stored. Licence: Gemma Terms of Use ' +
      '("gemma", as on the onnx-community Gemma 3 repos); one third-party page says Apache 2.0, which is not ' +
      'what Google\'s Gemma repos state.',
    sources: [
      'https://huggingface.co/onnx-community/gemma-3-270m-it-ONNX/blob/refs%2Fpr%2F1/onnx/model_fp16.onnx',
      'https://www.huggingface.co/spaces/akhaliq/gemma-chatbot/blob/main/README.md',
      'https://deepwiki.com/google-gemini/gemma-cookbook/5.4.1-onnx-and-transformers.js',
      'https://huggingface.co/Codingstark/gemma3-270m-leetcode/blob/main/config.json',
      'https://huggingface.co/onnx-community/gemma-3-1b-it-ONNX/tree/main',
      'https://apxml.com/zh/models/gemma-3-270m',
    ],
  },
];
