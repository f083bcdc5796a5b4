"""A synthetic movie-review corpus in IMDB's on-disk layout, for offline runs.

Reviews are made of real English words. Their label follows the sentiment of
clauses with negation ("not brilliant") and contrast ("although ..., ...").
Like real reviews they are coherent: most sentiment words of a review share its
polarity, and some intensifiers lean to one side ("utterly dull", "truly
moving"), so masked-language modelling on unlabelled reviews can learn which
words go together. Negation, contrast and off-topic sentences keep any single
word from deciding a review.

Every generator setting is in GENERATOR; `recipe()` names them all, together
with a hash of this file, so a cache keyed by it cannot outlive a change.
"""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

# The one place for the generator's settings (sizes in reviews, probabilities per sentence or review).
GENERATOR = {
    "sizes": {"train": 2000, "test": 500, "unsup": 2000},  # classes balanced in train and test
    "review_sentences": (2, 8),  # sentences of opinion or filler per review
    "snippet_sentences": (1, 4),  # the same for the SST-2-style snippets
    "filler_rate": 0.2,  # sentences about the viewing, not the film
    "off_polarity_rate": 0.03,  # opinion sentences that disagree with the review
    "negation_rate": 0.08,  # clauses saying the opposite word negated ("not brilliant")
    "contrast_rate": 0.1,  # sentences that concede the other side first ("although ...")
    "conjunction_rate": 0.15,  # sentences with two clauses of the same side
    "leaning_intensifier_rate": 0.6,  # adjectives after an intensifier that leans to their side
    "verdict_rate": 0.7,  # reviews that end with a verdict sentence
}

SUBJECTS = [
    "the movie",
    "this film",
    "the plot",
    "the acting",
    "the script",
    "the soundtrack",
    "the director",
    "the cast",
    "the ending",
    "the story",
    "the dialogue",
    "the camera work",
    "the pacing",
    "the lead actor",
    "the lead actress",
    "the villain",
    "the humor",
    "the special effects",
    "the score",
    "the editing",
    "the first half",
    "the finale",
    "the romance",
    "the screenplay",
    "the costumes",
    "the sequel",
    "the remake",
]
POSITIVE = [
    "brilliant",
    "wonderful",
    "moving",
    "superb",
    "delightful",
    "gripping",
    "charming",
    "excellent",
    "memorable",
    "clever",
    "beautiful",
    "touching",
    "hilarious",
    "stunning",
    "fantastic",
    "heartfelt",
    "impressive",
    "powerful",
    "inventive",
    "engaging",
    "witty",
    "thrilling",
    "elegant",
    "flawless",
    "refreshing",
    "smart",
    "magnificent",
    "lovely",
]
NEGATIVE = [
    "boring",
    "dull",
    "awful",
    "terrible",
    "clumsy",
    "predictable",
    "tedious",
    "weak",
    "lifeless",
    "forgettable",
    "painful",
    "messy",
    "bland",
    "ridiculous",
    "shallow",
    "annoying",
    "horrible",
    "pointless",
    "wooden",
    "disappointing",
    "lazy",
    "confusing",
    "silly",
    "cheap",
    "sloppy",
    "stale",
    "dreadful",
    "mediocre",
]
INTENSIFIERS = ["", "", "very ", "really ", "quite ", "so ", "rather "]  # used on both sides
LEANING_INTENSIFIERS = {  # collocations, as in real reviews
    1: ["truly ", "absolutely ", "genuinely ", "wonderfully ", "beautifully "],
    0: ["utterly ", "painfully ", "awfully ", "hopelessly ", "terribly "],
}
LINKS = ["was", "is", "felt", "seemed", "looked"]
NEGATIONS = ["not", "never", "hardly", "not at all"]
VERDICTS = {
    1: [
        "I would recommend it to anyone.",
        "I loved every minute of it.",
        "I will watch it again.",
        "It is worth your time.",
        "Easily one of the best films this year.",
    ],
    0: [
        "I would not recommend it to anyone.",
        "I hated almost every minute of it.",
        "I will never watch it again.",
        "It is not worth your time.",
        "Easily one of the worst films this year.",
    ],
}
FILLER = [
    "I watched it on a rainy {day} with my {who}.",
    "The film runs about {n} minutes.",
    "It was released in {year} and I saw it in a small theater.",
    "My {who} picked it because of the poster.",
    "The story takes place in a small town near {place}.",
    "We rented it on a {day} evening.",
    "It is based on a novel from {year}.",
    "The {who} next to me kept talking during the first act.",
]
FILL = {
    "day": ["monday", "friday", "saturday", "sunday"],
    "who": ["brother", "sister", "friends", "parents", "wife", "husband", "roommate", "kids"],
    "n": ["ninety", "one hundred", "two hundred", "eighty"],
    "year": ["1979", "1987", "1994", "2003", "2011", "2016"],
    "place": ["the coast", "the mountains", "a big city", "the border", "a lake"],
}


def recipe(seed: int, settings: dict = GENERATOR) -> dict:
    """Everything that decides the corpus: seed, every setting, this file's source (word lists, code)
    and Python's version (`random` keeps its sequences only within one version)."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return {"seed": seed, "settings": settings, "source": source, "python": "{}.{}".format(*sys.version_info[:2])}


def _adjective(rng: random.Random, word_polarity: int, settings: dict) -> str:
    """An adjective of that polarity, often after an intensifier that leans to the same side."""
    words = POSITIVE if word_polarity else NEGATIVE
    if rng.random() < settings["leaning_intensifier_rate"]:
        return rng.choice(LEANING_INTENSIFIERS[word_polarity]) + rng.choice(words)
    return rng.choice(INTENSIFIERS) + rng.choice(words)


def _phrase(rng: random.Random, polarity: int, settings: dict) -> str:
    """A predicate whose meaning has the given polarity; some say the opposite word negated."""
    if rng.random() < settings["negation_rate"]:
        return f"{rng.choice(LINKS)} {rng.choice(NEGATIONS)} {_adjective(rng, 1 - polarity, settings)}"
    return f"{rng.choice(LINKS)} {_adjective(rng, polarity, settings)}"


def _clause(rng: random.Random, polarity: int, settings: dict) -> str:
    return f"{rng.choice(SUBJECTS)} {_phrase(rng, polarity, settings)}"


def _sentence(rng: random.Random, polarity: int, settings: dict) -> str:
    """One sentence whose overall sentiment is `polarity`; contrast sentences end on it."""
    form = rng.random()
    if form < settings["contrast_rate"]:
        other, own = _clause(rng, 1 - polarity, settings), _clause(rng, polarity, settings)
        text = rng.choice([f"although {other}, {own}", f"{other}, but {own}", f"{other}, however {own}"])
    elif form < settings["contrast_rate"] + settings["conjunction_rate"]:
        text = f"{_clause(rng, polarity, settings)} and {_clause(rng, polarity, settings)}"
    else:
        text = _clause(rng, polarity, settings)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "!", "..."])


def _filler(rng: random.Random) -> str:
    template = rng.choice(FILLER)
    return template.format(**{key: rng.choice(values) for key, values in FILL.items()})


def review(rng: random.Random, label: int, length: tuple[int, int] | None = None, settings: dict = GENERATOR) -> str:
    """A review of `length` sentences (default: the generator's), in 1 to 4 paragraphs joined by <br /><br />."""
    parts = []
    for _ in range(rng.randint(*(length or settings["review_sentences"]))):
        if rng.random() < settings["filler_rate"]:
            parts.append(_filler(rng))
        else:
            # Most sentences agree with the label, a few disagree: the whole review decides.
            polarity = 1 - label if rng.random() < settings["off_polarity_rate"] else label
            parts.append(_sentence(rng, polarity, settings))
    if rng.random() < settings["verdict_rate"]:
        parts.append(rng.choice(VERDICTS[label]))
    paragraphs, start = [], 0
    for cut in sorted(rng.sample(range(1, len(parts)), k=min(3, rng.randint(0, len(parts) - 1)))):
        paragraphs.append(" ".join(parts[start:cut]))
        start = cut
    paragraphs.append(" ".join(parts[start:]))
    return "<br /><br />".join(paragraphs)


def short_sentences(seed: int, count: int, settings: dict = GENERATOR) -> tuple[list[str], list[int]]:
    """Balanced snippets of a few sentences, in the style of SST-2, for the offline sst2 classifier."""
    rng = random.Random(f"sst2-{seed}")
    texts, labels = [], []
    for index in range(count):
        label = index % 2
        text = review(rng, label, settings["snippet_sentences"], settings)
        texts.append(text.replace("<br /><br />", " ").lower())
        labels.append(label)
    return texts, labels


def write_corpus(root: Path, seed: int, sizes: dict[str, int] | None = None, settings: dict = GENERATOR) -> None:
    """Write aclImdb/{train,test}/{pos,neg}, aclImdb/train/unsup, imdb.vocab and a README under root.

    `sizes` (reviews per split) replaces the generator's, for small test corpora.
    """
    base, sizes = Path(root) / "aclImdb", sizes or settings["sizes"]
    for split in ("train", "test"):
        rng = random.Random(f"{split}-{seed}")
        for index in range(sizes[split]):
            label = index % 2
            rating = rng.randint(7, 10) if label else rng.randint(1, 4)
            folder = base / split / ("pos" if label else "neg")
            folder.mkdir(parents=True, exist_ok=True)
            text = review(rng, label, settings=settings)
            (folder / f"{index // 2}_{rating}.txt").write_text(text, encoding="utf-8")
    rng = random.Random(f"unsup-{seed}")
    unsup = base / "train" / "unsup"
    unsup.mkdir(parents=True, exist_ok=True)
    for index in range(sizes["unsup"]):
        text = review(rng, rng.randint(0, 1), settings=settings)  # unlabelled, but coherent like the rest
        (unsup / f"{index}_0.txt").write_text(text, encoding="utf-8")
    groups = (SUBJECTS, POSITIVE, NEGATIVE, *LEANING_INTENSIFIERS.values())
    words = sorted({w for group in groups for phrase in group for w in phrase.split()})
    (base / "imdb.vocab").write_text("\n".join(words) + "\n", encoding="utf-8")
    (base / "README").write_text(
        "SYNTHETIC movie reviews generated by course_utils.synthetic "
        f"(seed {seed}) in the layout of the Large Movie Review Dataset v1.0.\n"
        "They are NOT IMDB reviews: figures measured on them are not comparable to the guide's.\n",
        encoding="utf-8",
    )
