"""A synthetic movie-review corpus in IMDB's on-disk layout, for offline runs.

Reviews are made of real English words. Their label follows the sentiment of
clauses with negation ("not brilliant") and contrast ("although ..., ...").
Every review mixes positive and negative words, so no single word decides it.
"""

from __future__ import annotations

import random
from pathlib import Path

SIZES = {"train": 2000, "test": 500, "unsup": 2000}  # reviews per split, classes balanced

SUBJECTS = [
    "the movie", "this film", "the plot", "the acting", "the script", "the soundtrack",
    "the director", "the cast", "the ending", "the story", "the dialogue", "the camera work",
    "the pacing", "the lead actor", "the lead actress", "the villain", "the humor",
    "the special effects", "the score", "the editing", "the first half", "the finale",
    "the romance", "the screenplay", "the costumes", "the sequel", "the remake",
]
POSITIVE = [
    "brilliant", "wonderful", "moving", "superb", "delightful", "gripping", "charming",
    "excellent", "memorable", "clever", "beautiful", "touching", "hilarious", "stunning",
    "fantastic", "heartfelt", "impressive", "powerful", "inventive", "engaging", "witty",
    "thrilling", "elegant", "flawless", "refreshing", "smart", "magnificent", "lovely",
]
NEGATIVE = [
    "boring", "dull", "awful", "terrible", "clumsy", "predictable", "tedious", "weak",
    "lifeless", "forgettable", "painful", "messy", "bland", "ridiculous", "shallow",
    "annoying", "horrible", "pointless", "wooden", "disappointing", "lazy", "confusing",
    "silly", "cheap", "sloppy", "stale", "dreadful", "mediocre",
]
INTENSIFIERS = ["", "", "very ", "truly ", "really ", "quite ", "incredibly ", "rather ", "so "]
LINKS = ["was", "is", "felt", "seemed", "looked"]
NEGATIONS = ["not", "never", "hardly", "not at all"]
VERDICTS = {
    1: ["I would recommend it to anyone.", "I loved every minute of it.", "I will watch it again.",
        "It is worth your time.", "Easily one of the best films this year."],
    0: ["I would not recommend it to anyone.", "I hated almost every minute of it.",
        "I will never watch it again.", "It is not worth your time.",
        "Easily one of the worst films this year."],
}
FILLER = [
    "I watched it on a rainy {day} with my {who}.", "The film runs about {n} minutes.",
    "It was released in {year} and I saw it in a small theater.",
    "My {who} picked it because of the poster.", "The story takes place in a small town near {place}.",
    "We rented it on a {day} evening.", "It is based on a novel from {year}.",
    "The {who} next to me kept talking during the first act.",
]
FILL = {
    "day": ["monday", "friday", "saturday", "sunday"],
    "who": ["brother", "sister", "friends", "parents", "wife", "husband", "roommate", "kids"],
    "n": ["ninety", "one hundred", "two hundred", "eighty"],
    "year": ["1979", "1987", "1994", "2003", "2011", "2016"],
    "place": ["the coast", "the mountains", "a big city", "the border", "a lake"],
}


def _phrase(rng: random.Random, polarity: int) -> str:
    """A predicate whose meaning has the given polarity; half of them use negation."""
    negate = rng.random() < 0.2
    words = (NEGATIVE if polarity else POSITIVE) if negate else (POSITIVE if polarity else NEGATIVE)
    adjective = rng.choice(INTENSIFIERS) + rng.choice(words)
    if negate:
        return f"{rng.choice(LINKS)} {rng.choice(NEGATIONS)} {adjective}"
    return f"{rng.choice(LINKS)} {adjective}"


def _clause(rng: random.Random, polarity: int) -> str:
    return f"{rng.choice(SUBJECTS)} {_phrase(rng, polarity)}"


def _sentence(rng: random.Random, polarity: int) -> str:
    """One sentence whose overall sentiment is `polarity`; contrast sentences end on it."""
    form = rng.random()
    if form < 0.3:
        other = _clause(rng, 1 - polarity)
        text = rng.choice([f"although {other}, {_clause(rng, polarity)}",
                           f"{other}, but {_clause(rng, polarity)}",
                           f"{other}, however {_clause(rng, polarity)}"])
    elif form < 0.45:
        text = f"{_clause(rng, polarity)} and {_clause(rng, polarity)}"
    else:
        text = _clause(rng, polarity)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "!", "..."])


def _filler(rng: random.Random) -> str:
    template = rng.choice(FILLER)
    return template.format(**{key: rng.choice(values) for key, values in FILL.items()})


def review(rng: random.Random, label: int, length: tuple[int, int] = (2, 8)) -> str:
    """A review of `length` sentences (2 to 8) in 1 to 4 paragraphs joined by IMDB's <br /><br />."""
    sentences = []
    for _ in range(rng.randint(*length)):
        if rng.random() < 0.2:
            sentences.append(_filler(rng))
        else:
            # Most sentences agree with the label, some disagree: the whole review decides.
            polarity = label if rng.random() < 0.9 else 1 - label
            sentences.append(_sentence(rng, polarity))
    if rng.random() < 0.7:
        sentences.append(rng.choice(VERDICTS[label]))
    paragraphs, start = [], 0
    for cut in sorted(rng.sample(range(1, len(sentences)), k=min(3, rng.randint(0, len(sentences) - 1)))):
        paragraphs.append(" ".join(sentences[start:cut]))
        start = cut
    paragraphs.append(" ".join(sentences[start:]))
    return "<br /><br />".join(paragraphs)


def short_sentences(seed: int, count: int) -> tuple[list[str], list[int]]:
    """Balanced snippets of one to five sentences, in the style of SST-2, for the offline sst2 classifier."""
    rng = random.Random(f"sst2-{seed}")
    texts, labels = [], []
    for index in range(count):
        label = index % 2
        texts.append(review(rng, label, length=(1, 4)).replace("<br /><br />", " ").lower())
        labels.append(label)
    return texts, labels


def write_corpus(root: Path, seed: int, sizes: dict[str, int] = SIZES) -> None:
    """Write aclImdb/{train,test}/{pos,neg}, aclImdb/train/unsup, imdb.vocab and a README under root."""
    base = Path(root) / "aclImdb"
    for split in ("train", "test"):
        rng = random.Random(f"{split}-{seed}")
        for index in range(sizes[split]):
            label = index % 2
            rating = rng.randint(7, 10) if label else rng.randint(1, 4)
            folder = base / split / ("pos" if label else "neg")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{index // 2}_{rating}.txt").write_text(review(rng, label), encoding="utf-8")
    rng = random.Random(f"unsup-{seed}")
    unsup = base / "train" / "unsup"
    unsup.mkdir(parents=True, exist_ok=True)
    for index in range(sizes["unsup"]):
        (unsup / f"{index}_0.txt").write_text(review(rng, rng.randint(0, 1)), encoding="utf-8")
    words = sorted({w for group in (SUBJECTS, POSITIVE, NEGATIVE) for phrase in group for w in phrase.split()})
    (base / "imdb.vocab").write_text("\n".join(words) + "\n", encoding="utf-8")
    (base / "README").write_text(
        "SYNTHETIC movie reviews generated by course_utils.synthetic "
        f"(seed {seed}) in the layout of the Large Movie Review Dataset v1.0.\n"
        "They are NOT IMDB reviews: figures measured on them are not comparable to the guide's.\n",
        encoding="utf-8",
    )
