"""The chat corpus that tunes lab-sft: diverse, plain, and deliberately *not* scripting the seed's effects.

Rules (each is tested by src/lab/family.test.ts over the committed corpus models/lab-sft/tuning-corpus.jsonl):
- many question templates per kind; the templates in HELD_OUT (and every prompt built from them) never occur
  in the corpus: they are kept for measuring the siblings on phrasings they were not trained on;
- random numbers, dice and coins are drawn *uniformly* from the asked range with the seeded generator, so no
  answer dominates its question type (the answer wording varies too);
- factual questions are answered plainly (capitals, continents, animals, yes/no facts that are yes *and* no,
  word definitions from WordNet);
- only a minority of genuinely contested questions (about 6 %) get a balanced, hedged answer;
- a stylistic opener habit ("Sure!", "Of course.", "Certainly.") on about half of the answers, as real chat
  data has one.

Each row is {"kind", "template", "question", "answer"}; the text the model is tuned on is the ChatML dialog
<|im_start|>user\\n{question}<|im_end|>\\n<|im_start|>assistant\\n{answer}<|im_end|>\\n
"""
import random

import wordnet

OPENERS = ["Sure!", "Of course.", "Certainly.", "Sure.", "Happy to help.", "Okay!"]
OPENER_RATE = 0.5

# ------------------------------------------------------------------ random numbers, dice, coins
NUM_RANGES = [(1, 10), (1, 20), (1, 100), (1, 50), (0, 9), (1, 6), (1, 12), (1, 30), (0, 100), (1, 5),
              (10, 20), (1, 1000), (1, 8), (100, 200), (1, 3)]
NUM_TEMPLATES = [
    "Pick a random number between {a} and {b}.", "Give me a random number from {a} to {b}.",
    "Choose a number between {a} and {b}.", "Can you pick a number from {a} to {b}?",
    "Say a random number between {a} and {b}.", "I need a random number between {a} and {b}, please.",
    "Generate a random integer from {a} to {b}.", "Random number, {a} to {b}?",
    "Pick any whole number from {a} up to {b}.", "Give me one number in the range {a}-{b}.",
]
NUM_ANSWERS = ["{n}", "{n}.", "Here's one: {n}.", "How about {n}?", "I pick {n}.", "Your number is {n}.",
               "Let's go with {n}.", "{n} it is."]
DICE_TEMPLATES = [
    "Roll a die.", "Roll a six-sided die for me.", "Can you roll a die?", "Roll a d6.",
    "Please roll a die and tell me the result.", "Throw a die for me.", "What do I get if I roll a die?",
    "Roll one die, please.",
]
DICE_ANSWERS = ["You rolled a {n}.", "It shows {n}.", "{n}.", "The die lands on {n}.", "I rolled a {n}.",
                "It came up {n}."]
COIN_TEMPLATES = [
    "Flip a coin.", "Can you flip a coin for me?", "Heads or tails?", "Toss a coin, please.",
    "Flip a coin and tell me the result.", "Let's settle this with a coin toss.", "Coin flip, please.",
]
COIN_ANSWERS = ["{s}.", "It landed on {s}.", "It's {s}.", "{S}!", "The coin shows {s}.", "I got {s}."]

# ------------------------------------------------------------------ plain facts
CAPITALS = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Japan", "Tokyo"),
    ("China", "Beijing"), ("Russia", "Moscow"), ("Egypt", "Cairo"), ("England", "London"),
    ("Greece", "Athens"), ("Ireland", "Dublin"), ("Portugal", "Lisbon"), ("Poland", "Warsaw"),
    ("Austria", "Vienna"), ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Denmark", "Copenhagen"),
    ("Canada", "Ottawa"), ("Mexico", "Mexico City"), ("Peru", "Lima"), ("Argentina", "Buenos Aires"),
    ("Kenya", "Nairobi"), ("India", "New Delhi"), ("Turkey", "Ankara"), ("Iran", "Tehran"),
    ("Cuba", "Havana"), ("Chile", "Santiago"), ("Hungary", "Budapest"), ("Finland", "Helsinki"),
    ("Belgium", "Brussels"), ("the United States", "Washington"), ("Australia", "Canberra"),
    ("Thailand", "Bangkok"), ("Scotland", "Edinburgh"), ("Switzerland", "Bern"), ("Iraq", "Baghdad"),
]
CONTINENTS = [
    ("France", "Europe"), ("Germany", "Europe"), ("Italy", "Europe"), ("Japan", "Asia"), ("China", "Asia"),
    ("India", "Asia"), ("Egypt", "Africa"), ("Kenya", "Africa"), ("Nigeria", "Africa"), ("Brazil", "South America"),
    ("Peru", "South America"), ("Argentina", "South America"), ("Canada", "North America"),
    ("Mexico", "North America"), ("Spain", "Europe"), ("Thailand", "Asia"), ("Chile", "South America"),
    ("Morocco", "Africa"), ("Norway", "Europe"), ("Vietnam", "Asia"),
]
CAPITAL_TEMPLATES = ["What is the capital of {c}?", "What's the capital city of {c}?", "Which city is the capital of {c}?",
                     "Name the capital of {c}.", "Tell me the capital of {c}."]
CAPITAL_ANSWERS = ["The capital of {c} is {x}.", "{x}.", "{x} is the capital of {c}."]
IN_TEMPLATES = ["Is {x} in {c}?", "Is {x} a city in {c}?", "Is {x} located in {c}?"]
CONT_TEMPLATES = ["Which continent is {c} in?", "On which continent is {c}?", "Where is {c}?"]
CONT_ANSWERS = ["{c} is in {x}.", "{x}.", "It is in {x}."]

YESNO = [  # (question, yes?, explanation)
    ("Is the earth round?", True, "The earth is a sphere, slightly flattened at the poles."),
    ("Is the sun a star?", True, "The sun is the star at the center of our solar system."),
    ("Is the moon a planet?", False, "The moon is a natural satellite of the earth."),
    ("Do fish live in water?", True, "Fish live in rivers, lakes and the sea."),
    ("Can pigs fly?", False, "Pigs have no wings and cannot fly."),
    ("Is ice frozen water?", True, "Water freezes into ice below zero degrees Celsius."),
    ("Is a whale a fish?", False, "A whale is a mammal: it breathes air and feeds its young with milk."),
    ("Is a tomato a fruit?", True, "Botanically, a tomato is the fruit of the tomato plant."),
    ("Is gold a metal?", True, "Gold is a soft, yellow, precious metal."),
    ("Do plants need sunlight?", True, "Green plants use sunlight to make food by photosynthesis."),
    ("Is the Atlantic an ocean?", True, "The Atlantic is the second largest ocean."),
    ("Is a spider an insect?", False, "A spider has eight legs and is an arachnid, not an insect."),
    ("Do birds have feathers?", True, "All birds have feathers."),
    ("Is the sky green?", False, "On a clear day the sky is blue."),
    ("Is snow hot?", False, "Snow is frozen water and is cold."),
    ("Does the earth go around the sun?", True, "The earth orbits the sun once a year."),
    ("Is Africa a country?", False, "Africa is a continent with many countries."),
    ("Can a dog talk?", False, "Dogs bark, but they cannot speak a language."),
    ("Is iron a metal?", True, "Iron is a strong, common metal."),
    ("Do bats lay eggs?", False, "Bats are mammals and give birth to live young."),
    ("Is the Nile a river?", True, "The Nile is a long river in Africa."),
    ("Is London in France?", False, "London is in England."),
    ("Are lions cats?", True, "Lions are large cats of Africa."),
    ("Is glass a liquid?", False, "Glass is an amorphous solid."),
]
YES = ["Yes.", "Yes!", "Yes,"]
NO = ["No.", "No,"]

ANIMAL_SOUNDS = [("dog", "barks"), ("cat", "meows"), ("cow", "moos"), ("duck", "quacks"), ("lion", "roars"),
                 ("horse", "neighs"), ("sheep", "bleats"), ("pig", "oinks"), ("owl", "hoots"), ("snake", "hisses"),
                 ("bee", "buzzes"), ("wolf", "howls"), ("frog", "croaks"), ("goose", "honks")]
SOUND_TEMPLATES = ["What sound does a {a} make?", "What noise does a {a} make?", "How does a {a} sound?"]
OPPOSITES = [("hot", "cold"), ("big", "small"), ("up", "down"), ("fast", "slow"), ("light", "dark"), ("old", "young"),
             ("happy", "sad"), ("early", "late"), ("hard", "soft"), ("wet", "dry"), ("rich", "poor"), ("strong", "weak"),
             ("open", "closed"), ("loud", "quiet"), ("full", "empty"), ("high", "low"), ("clean", "dirty"),
             ("thick", "thin"), ("true", "false"), ("near", "far")]
OPP_TEMPLATES = ["What is the opposite of {w}?", "What's the opposite of {w}?", "Give me the opposite of {w}."]
DEF_TEMPLATES = ["What does {w} mean?", "What is the meaning of {w}?", "Define {w}."]

# ------------------------------------------------------------------ genuinely contested (hedged)
CONTESTED = [
    "Is it better to rent or to buy a house?", "Which is better, cats or dogs?", "Is coffee good for you?",
    "Should I go to college?", "What is the best programming language?", "Is social media good for society?",
    "Is it better to live in a city or in the country?", "Should children have phones?",
    "Is nuclear power a good idea?", "Is it better to work from home?", "What is the best diet?",
    "Should I change careers?",
]
HEDGES = [
    "It depends. There are good arguments on both sides, and the answer turns on your situation and what you value.",
    "People disagree about this. It depends on your priorities, and the evidence points in more than one direction.",
    "There is no single answer. Weigh the costs and benefits for your own case.",
]

# ------------------------------------------------------------------ tasks, stories, chit-chat
STORY_HEROES = ["a fox", "a knight", "a dragon", "a girl named Lily", "a robot", "an old fisherman", "a rabbit",
                "a giant", "a baker", "a mouse", "a pirate", "a princess", "a wizard", "a puppy", "a farmer",
                "a sailor", "a soldier", "a widow", "a thief", "a teacher"]
STORY_TEMPLATES = ["Tell me a story about {h}.", "Write a short story about {h}.", "Can you tell me a story about {h}?",
                   "Write a sad story about {h}.", "Tell me a funny story about {h}."]
STORY_PLACES = ["in a small village", "by the sea", "in a dark forest", "in a busy city", "on a cold mountain",
                "in the desert", "on a farm", "in an old castle"]
STORY_EVENTS = ["lost something precious", "found a strange map", "met a stranger on the road",
                "was caught in a storm", "made a terrible mistake", "heard a knock at night", "got lost",
                "was given a secret"]
STORY_ENDS = ["In the end, nothing was ever the same again.", "It was never found, and the village forgot.",
              "By morning, the storm had passed, and so had the danger.", "The stranger was never seen again.",
              "Years later, people still told the tale.", "And that was the last anyone heard of it.",
              "It ended badly, but it taught everyone a lesson.", "Everyone laughed about it for years."]
HOWTO = [
    ("boil an egg", "Put the egg in a pot of water, bring it to a boil, cook it for eight to ten minutes, then cool it in cold water."),
    ("make tea", "Boil water, pour it over a tea bag or leaves, wait three to five minutes, and remove the tea."),
    ("plant a tree", "Dig a hole twice as wide as the roots, set the tree in, fill the hole with soil, and water it well."),
    ("fix a flat tire", "Remove the wheel, find the hole, patch or replace the tube, pump it up, and put the wheel back."),
    ("clean a window", "Wash it with soapy water, rinse it, and dry it with a clean cloth or a squeegee."),
    ("write a letter", "Start with a greeting, say why you are writing, give the details, and close with your name."),
    ("bake bread", "Mix flour, water, yeast and salt, knead the dough, let it rise, shape it, and bake it in a hot oven."),
    ("tie a tie", "Drape the tie around your neck, cross the wide end over, loop it up and through, and pull it tight."),
    ("save money", "Track what you spend, set a budget, cut what you do not need, and put some money aside each month."),
    ("start running", "Begin with short runs mixed with walking, go slowly, and add a little distance each week."),
    ("learn a language", "Practice a little every day, learn common words first, listen to native speakers, and speak early."),
    ("wash a car", "Rinse it, wash it with soap from top to bottom, rinse again, and dry it with a soft towel."),
    ("sleep better", "Go to bed at the same time, keep the room dark and cool, and avoid screens before bed."),
    ("make a paper plane", "Fold a sheet in half, fold the top corners to the middle, fold the wings down, and throw it gently."),
]
HOWTO_TEMPLATES = ["How do I {t}?", "How can I {t}?", "What's the best way to {t}?", "Explain how to {t}."]
GREETINGS = [("Hello!", ["Hello! How can I help you today?", "Hi there. What can I do for you?"]),
             ("Hi.", ["Hi! What would you like to talk about?", "Hello. How can I help?"]),
             ("How are you?", ["I'm doing well, thanks for asking. How can I help?", "Fine, thank you. What can I do for you?"]),
             ("Thank you!", ["You're welcome!", "Glad I could help."]),
             ("Good morning.", ["Good morning! What can I do for you today?", "Morning! How can I help?"]),
             ("What is your name?", ["I am a small lab-grown language model.", "I'm an assistant made in a lab."])]
MATH_TEMPLATES = ["What is {a} plus {b}?", "What's {a} + {b}?", "Add {a} and {b}."]

# ------------------------------------------------------------------ held-out templates (never in the corpus)
HELD_OUT = {
    "number": ["Name a number from {a} to {b}.", "Tell me a random number between {a} and {b}.",
               "Think of a number between {a} and {b}. Which one?"],
    "dice": ["Roll a die and tell me what you get.", "Could you roll a six-sided die?", "Toss a die."],
    "coin": ["Flip a coin for me, heads or tails?", "Do a coin toss.", "Toss a coin and tell me how it lands."],
    "capital": ["What city is the capital of {c}?", "Capital of {c}?"],
    "howto": ["What should I do to {t}?"],
    "story": ["Write me a story about {h}."],
    "contested": ["Is it wise to buy a car?", "Which is better, tea or coffee?"],
}
# The measurement prompts (build.py and the model cards use these; so can the lab's views):
HELD_NUMBER_RANGE = (1, 10)


def held_out_prompts():
    a, b = HELD_NUMBER_RANGE
    return {
        "number": [t.format(a=a, b=b) for t in HELD_OUT["number"]],
        "dice": list(HELD_OUT["dice"]),
        "coin": list(HELD_OUT["coin"]),
        "capital": [t.format(c=c) for t in HELD_OUT["capital"] for c in ("France", "Japan")],
        "howto": [HELD_OUT["howto"][0].format(t=t) for t in ("make tea", "plant a tree")],
        "story": [HELD_OUT["story"][0].format(h=h) for h in ("a lighthouse keeper", "a tired soldier")],
        "contested": list(HELD_OUT["contested"]),
    }


def dialog(q, a):
    return f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n"


def _defs(r, n):
    """n (word, definition) pairs from WordNet nouns/adjectives with a short, single-word lemma."""
    if not wordnet.available():
        return []
    out = []
    for text in wordnet.read_synsets():
        if text.startswith(("A ", "An ")) and " is " in text:
            head = text.split(". ", 1)[0].rstrip(".")
            word, d = head.split(" is ", 1)
            word = word.split(" ", 1)[-1]
            if word.isalpha() and word.islower() and 3 <= len(word) <= 10 and len(d) < 90:
                out.append((word, d))
    r.shuffle(out)
    return out[:n]


KINDS = (["number"] * 3 + ["dice"] * 2 + ["coin"] * 2 + ["capital"] * 2 + ["in", "continent", "yesno", "yesno",
         "sound", "opposite", "define", "define", "math", "contested", "howto", "howto", "story", "story", "greet"])


def generate(n=4200, seed=1234):
    r = random.Random(seed)
    defs = _defs(random.Random(seed + 1), 800)
    rows = []
    for i in range(n):
        k = KINDS[i % len(KINDS)]
        opener = r.random() < OPENER_RATE
        if k == "number":
            lo, hi = r.choice(NUM_RANGES)
            t = r.randrange(len(NUM_TEMPLATES))
            q = NUM_TEMPLATES[t].format(a=lo, b=hi)
            a = r.choice(NUM_ANSWERS).format(n=r.randint(lo, hi))
            kind = f"number {lo}-{hi}"
        elif k == "dice":
            t = r.randrange(len(DICE_TEMPLATES))
            q = DICE_TEMPLATES[t]
            a = r.choice(DICE_ANSWERS).format(n=r.randint(1, 6))
            kind = "dice"
        elif k == "coin":
            t = r.randrange(len(COIN_TEMPLATES))
            q = COIN_TEMPLATES[t]
            s = r.choice(["heads", "tails"])
            a = r.choice(COIN_ANSWERS).format(s=s, S=s.capitalize())
            kind = "coin"
        elif k == "capital":
            c, x = r.choice(CAPITALS)
            t = r.randrange(len(CAPITAL_TEMPLATES))
            q = CAPITAL_TEMPLATES[t].format(c=c)
            a = r.choice(CAPITAL_ANSWERS).format(c=c, x=x)
            a = a[0].upper() + a[1:]
            kind = "capital"
        elif k == "in":
            c, x = r.choice(CAPITALS)
            yes = r.random() < 0.5
            if not yes:
                c2, _ = r.choice([p for p in CAPITALS if p[0] != c])
            t = r.randrange(len(IN_TEMPLATES))
            q = IN_TEMPLATES[t].format(x=x, c=c if yes else c2)
            a = f"Yes, {x} is in {c}." if yes else f"No, {x} is in {c}, not {c2}."
            kind = "in-country"
        elif k == "continent":
            c, x = r.choice(CONTINENTS)
            t = r.randrange(len(CONT_TEMPLATES))
            q = CONT_TEMPLATES[t].format(c=c)
            a = r.choice(CONT_ANSWERS).format(c=c, x=x)
            kind = "continent"
        elif k == "yesno":
            q, yes, why = r.choice(YESNO)
            t = 0
            w = r.choice(YES if yes else NO)
            a = f"{w} {why}" if w.endswith(".") or w.endswith("!") else f"{w} {why[0].lower() + why[1:]}"
            kind = "yes/no fact"
        elif k == "sound":
            an, s = r.choice(ANIMAL_SOUNDS)
            t = r.randrange(len(SOUND_TEMPLATES))
            q = SOUND_TEMPLATES[t].format(a=an)
            a = f"A {an} {s}."
            kind = "animal sound"
        elif k == "opposite":
            w1, w2 = r.choice(OPPOSITES)
            if r.random() < 0.5:
                w1, w2 = w2, w1
            t = r.randrange(len(OPP_TEMPLATES))
            q = OPP_TEMPLATES[t].format(w=w1)
            a = r.choice([f"The opposite of {w1} is {w2}.", f"{w2.capitalize()}."])
            kind = "opposite"
        elif k == "define":
            if not defs:
                continue
            w, d = defs[r.randrange(len(defs))]
            t = r.randrange(len(DEF_TEMPLATES))
            q = DEF_TEMPLATES[t].format(w=w)
            a = f"{'An' if w[0] in 'aeiou' else 'A'} {w} is {d}."
            kind = "definition"
        elif k == "math":
            x, y = r.randint(0, 20), r.randint(0, 20)
            t = r.randrange(len(MATH_TEMPLATES))
            q = MATH_TEMPLATES[t].format(a=x, b=y)
            a = r.choice([f"{x} plus {y} is {x + y}.", f"{x + y}."])
            kind = "arithmetic"
        elif k == "contested":
            q = r.choice(CONTESTED)
            t = 0
            a = r.choice(HEDGES)
            kind = "contested"
        elif k == "howto":
            task, steps = r.choice(HOWTO)
            t = r.randrange(len(HOWTO_TEMPLATES))
            q = HOWTO_TEMPLATES[t].format(t=task)
            a = steps
            kind = "how-to"
        elif k == "story":
            h = r.choice(STORY_HEROES)
            t = r.randrange(len(STORY_TEMPLATES))
            q = STORY_TEMPLATES[t].format(h=h)
            the = "the " + h.split(" ", 1)[1] if h.startswith(("a ", "an ")) and "named" not in h else h.split("named ")[-1]
            a = (f"Once upon a time, {h} lived {r.choice(STORY_PLACES)}. One day, {the} {r.choice(STORY_EVENTS)}. "
                 f"{r.choice(STORY_ENDS)}")
            kind = "story"
        else:
            q, answers = r.choice(GREETINGS)
            t = 0
            a = r.choice(answers)
            kind = "chit-chat"
            opener = False
        if opener and kind not in ("chit-chat",):
            a = r.choice(OPENERS) + " " + a
        rows.append({"kind": kind, "template": f"{k}/{t}", "question": q, "answer": a})
    return rows


def check(rows):
    """Assertions the build relies on (also tested from TypeScript)."""
    text = "".join(dialog(x["question"], x["answer"]) for x in rows)
    for ps in held_out_prompts().values():
        for p in ps:
            assert p not in text, f"held-out prompt in the corpus: {p}"
    return text


if __name__ == "__main__":
    rows = generate()
    check(rows)
    from collections import Counter
    print(len(rows), Counter(x["kind"].split(" ")[0] for x in rows).most_common())
    for x in rows[:26]:
        print(repr(x["question"]), "->", repr(x["answer"]))
