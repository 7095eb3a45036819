"""Byte-level BPE (GPT-2 style) trained from scratch, written as an HF `tokenizer.json`.

- Pre-tokenization: the GPT-2 regex (identical to the ByteLevel pre-tokenizer of HF tokenizers and
  transformers.js), then bytes -> printable unicode chars (GPT-2 `bytes_to_unicode`).
- Specials: <|endoftext|>=0, <|im_start|>=1, <|im_end|>=2; then the 256 byte symbols; then merges.
- Training uses incremental pair counting (pair -> count, pair -> set of word ids), deterministic
  tie-break (highest count, then lexicographically smallest pair).
- Encoding: text is first split on special tokens (like HF added tokens), then each pre-token is BPE'd
  by lowest merge rank (leftmost first on ties), matching transformers.js.
"""
import heapq
import json
from collections import Counter, defaultdict

import regex

GPT2_PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
SPECIAL_PAT = regex.compile("(" + "|".join(regex.escape(s) for s in SPECIALS) + ")")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {v: k for k, v in BYTE_ENC.items()}


def pretokenize(text):
    return ["".join(BYTE_ENC[b] for b in m.encode("utf-8")) for m in GPT2_PAT.findall(text)]


def train_bpe(texts, vocab_size=4096, log=print):
    word_freq = Counter()
    for t in texts:
        for piece in SPECIAL_PAT.split(t):
            if piece in SPECIALS or not piece:
                continue
            word_freq.update(pretokenize(piece))
    words = sorted(word_freq)  # deterministic order
    freqs = [word_freq[w] for w in words]
    syms = [list(w) for w in words]
    pair_count = defaultdict(int)
    pair_where = defaultdict(set)
    for i, s in enumerate(syms):
        f = freqs[i]
        for a, b in zip(s, s[1:]):
            pair_count[(a, b)] += f
            pair_where[(a, b)].add(i)
    base = [BYTE_ENC[b] for b in range(256)]
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for ch in base:
        vocab[ch] = len(vocab)
    # ties: highest count first, then the lexicographically smallest pair (tuple order in the heap)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    n_merges = vocab_size - len(vocab)
    for m in range(n_merges):
        if not pair_count:
            break
        # lazy max-heap: entries (-count, pair); stale entries are skipped
        while True:
            negc, best = heapq.heappop(heap)
            if pair_count.get(best, 0) == -negc:
                break
        a, b = best
        new = a + b
        merges.append((a, b))
        vocab[new] = len(vocab)
        touched = set()
        for i in sorted(pair_where.pop(best, ())):
            s = syms[i]
            f = freqs[i]
            # remove old pair counts of this word
            for p in zip(s, s[1:]):
                pair_count[p] -= f
                touched.add(p)
                if pair_count[p] <= 0:
                    del pair_count[p]
            j = 0
            out = []
            while j < len(s):
                if j < len(s) - 1 and s[j] == a and s[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            syms[i] = out
            for p in zip(out, out[1:]):
                pair_count[p] += f
                pair_where[p].add(i)
                touched.add(p)
        pair_count.pop(best, None)
        for p in sorted(touched):
            c = pair_count.get(p, 0)
            if c > 0 and p != best:
                heapq.heappush(heap, (-c, p))
        if log and (m % 500 == 0 or m == n_merges - 1):
            log(f"  merge {m}/{n_merges}: {a!r}+{b!r}")
    return vocab, merges


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.inv = {i: s for s, i in vocab.items()}
        self.ranks = {tuple(p): i for i, p in enumerate(merges)}
        self.merges = [tuple(p) for p in merges]
        self.cache = {}

    @classmethod
    def from_file(cls, path):
        j = json.load(open(path, encoding="utf-8"))
        merges = [m.split(" ", 1) if isinstance(m, str) else m for m in j["model"]["merges"]]
        return cls(j["model"]["vocab"], merges)

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        s = list(word)
        while len(s) > 1:
            best_i, best_r = -1, None
            for i in range(len(s) - 1):
                r = self.ranks.get((s[i], s[i + 1]))
                if r is not None and (best_r is None or r < best_r):
                    best_i, best_r = i, r
            if best_i < 0:
                break
            s = s[:best_i] + [s[best_i] + s[best_i + 1]] + s[best_i + 2:]
        ids = [self.vocab[t] for t in s]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        for piece in SPECIAL_PAT.split(text):
            if not piece:
                continue
            if piece in SPECIALS:
                ids.append(self.vocab[piece])
                continue
            for w in pretokenize(piece):
                ids.extend(self.bpe(w))
        return ids

    def decode(self, ids):
        out = bytearray()
        parts = []
        for i in ids:
            t = self.inv[int(i)]
            if t in SPECIALS:
                parts.append(out.decode("utf-8", errors="replace"))
                parts.append(t)
                out = bytearray()
            else:
                out.extend(BYTE_DEC[c] for c in t)
        parts.append(out.decode("utf-8", errors="replace"))
        return "".join(parts)

    def to_hf_json(self):
        added = [
            {"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for s in SPECIALS
        ]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }
