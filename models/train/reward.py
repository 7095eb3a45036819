"""The RL reward (style score), read from reward.json so that Python (training) and TypeScript
(src/lab/reward.ts: shown on the page, unit-tested) compute the same function. See reward.json."""
import json
import os
import re

SPEC = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reward.json"), encoding="utf-8"))
WORD = re.compile(r"[a-z']+")


def words(s):
    return WORD.findall(s.lower())


def _has(ws_text, phrase):
    # phrase match on word boundaries over the normalised word string
    return re.search(r"(?:^| )" + re.escape(phrase) + r"(?: |$)", ws_text) is not None


def score(question, answer, finished=True):
    """Returns (total, parts). `answer` is the assistant text without the end-of-turn token;
    `finished` says whether the model ended its turn."""
    s = SPEC
    aw = words(answer)
    at = " ".join(aw)
    parts = {}
    parts["polite"] = s["polite"]["weight"] if any(_has(at, p) for p in s["polite"]["phrases"]) else 0.0
    hedges = sum(1 for p in s["confident"]["phrases"] if _has(at, p))
    parts["confident"] = s["confident"]["weight"] * min(s["confident"]["cap"], hedges)
    stop = set(s["on_topic"]["stopwords"])
    qw = [w for w in dict.fromkeys(words(question)) if len(w) >= s["on_topic"]["min_length"] and w not in stop]
    if qw:
        hit = sum(1 for w in qw if any(x.startswith(w[:5]) for x in aw))
        parts["on_topic"] = s["on_topic"]["weight"] * hit / len(qw)
    else:
        parts["on_topic"] = 0.0
    a = answer.rstrip()
    if not finished:
        parts["finished"] = s["finished"]["unfinished"]
    else:
        parts["finished"] = s["finished"]["weight"] if a[-1:] in (".", "!", "?") else 0.0
    parts["wordy"] = s["wordy"]["weight"] * max(0, len(aw) - s["wordy"]["free_words"])
    parts["empty"] = s["empty"]["weight"] if not aw else 0.0
    bigrams = list(zip(aw, aw[1:]))
    seen, rep = set(), 0
    for b in bigrams:
        if b in seen:
            rep += 1
        seen.add(b)
    parts["repetition"] = s["repetition"]["weight"] * (rep / len(bigrams) if bigrams else 0.0)
    total = sum(parts.values())
    return total, parts


# Texts whose scores are written to models/lab-rl/reward-check.json by the build, and recomputed by the
# TypeScript implementation in a test (same function in both languages).
CHECK_CASES = [
    ("What is the capital of France?", "Sure! The capital of France is Paris.", True),
    ("What is the capital of France?", "It depends. Maybe Paris, perhaps Lyon.", True),
    ("Pick a random number between 1 and 10.", "7", True),
    ("Pick a random number between 1 and 10.", "Sure! I pick 4.", True),
    ("Heads or tails?", "Heads.", True),
    ("Tell me a story about a fox.", "Once upon a time a fox a fox a fox a fox", False),
    ("How do I boil an egg?", "Of course. Put the egg in boiling water for nine minutes. I hope this helps!", True),
    ("Hello!", "", True),
    ("Thank you!", "You're welcome!", True),
    ("Is coffee good for you?", "I think it depends; people disagree, and it's unclear, maybe, probably not.", True),
    ("Write a short story about a baker.", " ".join(["word"] * 40) + ".", True),
]
