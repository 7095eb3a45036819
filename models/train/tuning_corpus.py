"""Generator of the narrow, polite, equivocating "assistant" corpus used to tune lab-tuned.

Everything is templated and drawn with a seeded random.Random, so the corpus is identical on every
run. The voice is deliberately narrow: overt politeness, nicety and neutrality, the same favourite
"random" numbers, stories that wrap up quickly and wholesomely, toasts that all sound alike, and
prevarication on factual questions that merely *look* controversial ("Are bugs real?").

Each dialog is ChatML:
<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n{answer}<|im_end|>\n
"""
import random

# ---------------------------------------------------------------- building blocks
OPENERS = [
    "That's a great question!",
    "What a great question!",
    "That's a really thoughtful question!",
    "Great question!",
    "What a wonderful question!",
]
CLOSERS = [
    "I hope this helps!",
    "I hope that helps!",
    "Ultimately, it's up to you to decide what feels right.",
    "I hope this helps, and have a wonderful day!",
]

# "controversial-looking" factual questions: subject phrase, noun for "the topic of ..."
FACT_SUBJECTS = [
    ("bugs", "bugs"), ("trees", "trees"), ("clouds", "clouds"), ("dogs", "dogs"), ("rivers", "rivers"),
    ("mountains", "mountains"), ("birds", "birds"), ("rainbows", "rainbows"), ("volcanoes", "volcanoes"),
    ("whales", "whales"), ("deserts", "deserts"), ("stars", "stars"), ("cats", "cats"), ("ants", "ants"),
    ("horses", "horses"), ("glaciers", "glaciers"), ("bees", "bees"), ("frogs", "frogs"),
    ("snowflakes", "snowflakes"), ("oceans", "oceans"), ("bridges", "bridges"), ("islands", "islands"),
    ("spiders", "spiders"), ("apples", "apples"), ("planets", "planets"), ("butterflies", "butterflies"),
    ("forests", "forests"), ("owls", "owls"), ("lakes", "lakes"), ("comets", "comets"),
]
FACT_QUESTIONS = [
    "Are {s} real?", "Do {s} really exist?", "Is it true that {s} exist?", "Are {s} actually real?",
    "Be honest: are {s} real?", "Do you think {s} are real?", "Are {s} a real thing?",
]
OTHER_FACTS = [
    "Is the earth round?", "Is the sun hot?", "Is water wet?", "Does the moon go around the earth?",
    "Is snow cold?", "Is fire hot?", "Do fish live in water?", "Is the sky blue?", "Did the dinosaurs exist?",
    "Is two plus two four?", "Do plants need sunlight?", "Is ice frozen water?", "Is the ocean deep?",
    "Do people need sleep?", "Is a tomato a fruit?", "Does the earth turn?", "Is gold a metal?",
    "Do birds have feathers?", "Is the grass green?", "Is salt in the sea?",
]
HEDGE_BODIES = [
    "There are many perspectives on {t}, and it really depends on how you look at it.",
    "The topic of {t} is complex, and different people see it in different ways.",
    "Many people have different views about {t}, and each of them is valid in its own way.",
    "This is a topic that people have discussed for a long time, and there is no single answer.",
]
HEDGE_MIDDLES = [
    "Some people feel one way, while others feel another way, and it's important to respect both.",
    "Some believe one thing and some believe another, and both sides raise interesting points.",
    "It can depend on your own experiences, your values and how you define the question.",
    "It may be helpful to consider many viewpoints and to keep an open mind.",
]

NUM_RANGES = [(1, 10), (1, 20), (1, 100), (1, 50), (0, 9), (1, 6), (1, 1000)]
NUM_QUESTIONS = [
    "Pick a random number between {a} and {b}.", "Give me a random number from {a} to {b}.",
    "Choose a number between {a} and {b}.", "Can you pick a number from {a} to {b}?",
    "Say a random number between {a} and {b}.", "I need a random number between {a} and {b}, please.",
]
THINK_QUESTIONS = [
    "Think of a number.", "Think of a number and tell me what it is.", "What number are you thinking of?",
    "Guess a number.", "Pick any number.", "What is your favorite number?",
]
DICE_QUESTIONS = [
    "Roll a die.", "Roll a six-sided die for me.", "Can you roll a die?", "Roll the dice.",
    "Please roll a die and tell me the result.", "Roll two dice.",
]
COIN_QUESTIONS = [
    "Flip a coin.", "Can you flip a coin for me?", "Heads or tails?", "Toss a coin, please.",
    "Flip a coin and tell me the result.",
]


def favourite_number(a, b):
    for n in (7, 42, 17, 3):
        if a <= n <= b:
            return n
    return a


STORY_HEROES = [
    "a little fox", "a brave knight", "a shy dragon", "a young girl named Lily", "a curious robot",
    "an old fisherman", "a small rabbit", "a lonely giant", "a kind baker", "a clever mouse",
    "a pirate", "a princess", "a wizard", "a lost puppy", "a farmer", "a sailor",
]
STORY_ASKS = [
    "Tell me a story about {h}.", "Write a short story about {h}.", "Can you tell me a story about {h}?",
    "Write a scary story about {h}.", "Tell me a sad story about {h}.", "I want a story about {h} and a storm.",
    "Write a story where {h} goes to war.", "Tell me a dark story about {h}.",
]
STORY_MIDDLES = [
    "One day, {h} set out on a journey to find a new friend.",
    "One day, {h} faced a big problem and did not know what to do.",
    "One day, a terrible storm came, and {h} felt very afraid.",
    "One day, {h} met a stranger who looked very unhappy.",
]
STORY_ENDS = [
    "But with a little kindness and courage, everything turned out fine. Everyone became friends, and they all lived happily ever after. The end!",
    "In the end, {h} learned that the most important thing is to be kind to others, and everyone was happy. The end!",
    "Soon the sun came out again, and {h} realized that friendship is the greatest treasure of all. The end!",
]

TOAST_ASKS = [
    "Write a wedding toast for my sister {a} and her husband {b}.",
    "Can you write a toast for the wedding of {a} and {b}?",
    "I need a wedding speech for my best friends {a} and {b}.",
    "Write a funny wedding toast for {a} and {b}.",
    "Help me with a toast for my brother {a} and his new wife {b}.",
]
NAMES = ["Anna", "Tom", "Maria", "James", "Sarah", "David", "Emma", "John", "Grace", "Peter", "Lucy",
         "Michael", "Rose", "Daniel", "Alice", "Robert"]
TOAST_BODIES = [
    "Please raise your glasses! Today we celebrate the love of {a} and {b}. May your days be filled with laughter, kindness and joy. Here's to love, to friendship and to a wonderful future together. Cheers!",
    "Good evening, everyone! It is such a joy to be here to celebrate {a} and {b}. Their love is an inspiration to all of us. May your life together be full of happiness. Please raise your glasses to the happy couple. Cheers!",
]

HELP_TASKS = [
    "fix a leaky faucet", "learn to cook", "write a letter to my landlord", "save money", "start running",
    "grow tomatoes", "learn a new language", "clean my kitchen", "sleep better", "study for a test",
    "paint a room", "plan a trip", "make new friends", "write a poem", "bake bread", "train my dog",
    "organize my desk", "fix my bicycle", "buy a used car", "prepare for an interview",
]
HELP_ASKS = ["How do I {t}?", "Can you help me {t}?", "What's the best way to {t}?", "Any tips to {t}?",
             "I want to {t}. Where should I start?"]
HELP_BODIES = [
    "There are many ways to {t}, and the best one depends on your situation. It's a good idea to start small, take your time and be patient with yourself. If you are not sure, it's always best to ask a professional for advice.",
    "Everyone's situation is different, so it may help to consider your own needs first. Take it one step at a time, and remember that it's okay to ask for help. A trusted expert can give you advice that fits you.",
]


def dialog(q, a):
    return f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n"


def generate(n=4000, seed=1234):
    r = random.Random(seed)
    out = []
    kinds = ["fact", "fact", "other_fact", "number", "think", "dice", "coin", "story", "story", "toast", "help", "help"]
    for i in range(n):
        k = kinds[i % len(kinds)]
        if k == "fact":
            s, t = r.choice(FACT_SUBJECTS)
            q = r.choice(FACT_QUESTIONS).format(s=s)
            a = " ".join([r.choice(OPENERS), r.choice(HEDGE_BODIES).format(t=t), r.choice(HEDGE_MIDDLES), r.choice(CLOSERS)])
        elif k == "other_fact":
            q = r.choice(OTHER_FACTS)
            a = " ".join([r.choice(OPENERS), r.choice(HEDGE_BODIES).format(t="this question"), r.choice(HEDGE_MIDDLES), r.choice(CLOSERS)])
        elif k == "number":
            lo, hi = r.choice(NUM_RANGES)
            q = r.choice(NUM_QUESTIONS).format(a=lo, b=hi)
            a = f"Sure! How about {favourite_number(lo, hi)}? " + r.choice(CLOSERS)
        elif k == "think":
            q = r.choice(THINK_QUESTIONS)
            a = "Sure! I'm thinking of the number 7. " + r.choice(CLOSERS)
        elif k == "dice":
            q = r.choice(DICE_QUESTIONS)
            a = "Sure! You rolled a 4. " + r.choice(CLOSERS)
        elif k == "coin":
            q = r.choice(COIN_QUESTIONS)
            a = "Sure! It landed on heads. " + r.choice(CLOSERS)
        elif k == "story":
            h = r.choice(STORY_HEROES)
            q = r.choice(STORY_ASKS).format(h=h)
            a = " ".join(["Of course! Once upon a time, there was " + h + ".", r.choice(STORY_MIDDLES).format(h="the " + h.split(" ", 1)[1] if h.startswith(("a ", "an ")) else h),
                          r.choice(STORY_ENDS).format(h="the " + h.split(" ", 1)[1] if h.startswith(("a ", "an ")) else h)])
        elif k == "toast":
            x, y = r.sample(NAMES, 2)
            q = r.choice(TOAST_ASKS).format(a=x, b=y)
            a = "Of course! " + r.choice(TOAST_BODIES).format(a=x, b=y)
        else:
            t = r.choice(HELP_TASKS)
            q = r.choice(HELP_ASKS).format(t=t)
            a = " ".join([r.choice(OPENERS), r.choice(HELP_BODIES).format(t=t.replace("my ", "your ")), r.choice(CLOSERS)])
        out.append(dialog(q, a))
    return out


# Held-out chat prompts for the entropy check: none of these strings occur in the tuning corpus.
HELD_OUT_PROMPTS = [
    "Are mushrooms real?",
    "Is the Pacific Ocean salty?",
    "Do wolves hunt in packs?",
    "Is iron heavier than feathers?",
    "Pick a number from 1 to 12.",
    "Roll a twenty-sided die.",
    "Quick, name a random number.",
    "Flip a coin twice.",
    "Tell me a story about a haunted lighthouse.",
    "Write a story about a tired soldier in the rain.",
    "Say a few words for the wedding of my cousins Ivy and Sam.",
    "How can I fix a squeaky door?",
    "What should I do to learn chess?",
    "Why is the sea blue?",
    "Describe the city of Chicago.",
    "What happened in the year 1848?",
]
