"""WordNet 3.0 glosses (Debian package `wordnet-base`, /usr/share/wordnet) rendered as plain English prose.

WordNet is openly licensed (WordNet 3.0 license: use, copy, modify and distribute for any purpose, with
the copyright notice; see /usr/share/doc/wordnet-base/copyright). Each synset becomes one short
paragraph: a defining sentence built from its first lemma and its definition, followed by the usage
examples of the gloss, e.g.

    Paris is the capital and largest city of France; and international center of culture and commerce.
    A dog is a member of the genus Canis (probably descended from the common wolf) ... "the dog barked all night".

This adds definitional, encyclopaedic text (places, people, science, everyday words) to Brown's
1961 prose. Synsets are read in file order (grouped by lexicographer file, so topics cluster) and cut
into documents of 40 synsets; every 33rd document is held out (same rule as brown.py).
"""
import os
import re

WN_DIR = "/usr/share/wordnet"
POS_FILES = [("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")]
DOC_SIZE = 40


def available():
    return all(os.path.exists(os.path.join(WN_DIR, "data." + p)) for p, _ in POS_FILES)


def _article(word):
    return "an" if word[:1].lower() in "aeiou" else "a"


def _lemma(w):
    w = re.sub(r"\([a-z]+\)$", "", w)  # adjective markers like (a), (p), (ip)
    return w.replace("_", " ")


def render(pos, lemma, definition, examples):
    d = definition.strip().rstrip(";").strip()
    if not d:
        return None
    if pos == "n":
        if lemma[:1].isupper():
            head = f"{lemma} is {d}" if d.split(" ", 1)[0] in ("a", "an", "the", "one", "any") else f"{lemma}: {d}"
        elif d.split(" ", 1)[0] in ("a", "an", "the", "one", "any"):
            head = f"{_article(lemma).capitalize()} {lemma} is {d}"
        else:
            head = f"{lemma[:1].upper() + lemma[1:]}: {d}"
    elif pos == "v":
        head = f"To {lemma} is to {d}" if not d.startswith(("be ", "have ")) or True else d
    else:
        head = f"{lemma[:1].upper() + lemma[1:]} means {d}"
    sents = [head.rstrip(".") + "."]
    for e in examples:
        e = e.strip().strip('"').strip()
        if len(e) < 3:
            continue
        e = e[:1].upper() + e[1:]
        if e[-1] not in ".!?":
            e += "."
        sents.append(e)
    return " ".join(sents)


def read_synsets():
    out = []
    for pfile, pos in POS_FILES:
        with open(os.path.join(WN_DIR, "data." + pfile), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue  # license header
                parts = line.split(" | ", 1)
                if len(parts) != 2:
                    continue
                fields = parts[0].split()
                n_words = int(fields[3], 16)
                lemma = _lemma(fields[4])
                gloss = parts[1].strip()
                # gloss = definition; "example"; "example"
                pieces = re.split(r';\s*(?=")', gloss)
                definition = pieces[0]
                examples = [p for p in pieces[1:] if p.startswith('"')]
                text = render(pos, lemma, definition, examples)
                if text and n_words >= 1:
                    out.append(text)
    return out


def split_docs(holdout_every=33):
    syn = read_synsets()
    docs = ["\n".join(syn[i:i + DOC_SIZE]) for i in range(0, len(syn), DOC_SIZE)]
    train = [d for i, d in enumerate(docs) if i % holdout_every != 16]
    held = [d for i, d in enumerate(docs) if i % holdout_every == 16]
    return train, held


if __name__ == "__main__":
    tr, he = split_docs()
    print(len(tr), len(he), sum(map(len, tr)), sum(map(len, he)))
    s = read_synsets()
    for t in s[:3] + [x for x in s if x.startswith("Paris is")] + s[90000:90003] + s[-3:]:
        print(t)
