"""Dependency parses of sentences with the parser trained on UD English EWT (models/parser/model)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "parser" / "model"
BATCH_SIZE = 256


@lru_cache(maxsize=4)
def load_parser(path: str | Path | None = None):
    """Load the trained spaCy pipeline once per process and path; never downloads anything.

    Args:
        path: model folder; None means the repo's models/parser/model.
    """
    import spacy

    model_dir = Path(path) if path is not None else MODEL_DIR
    if not (model_dir / "meta.json").is_file():
        raise FileNotFoundError(
            f"no parser model at {model_dir}: it is committed in the repo under models/parser/model; "
            "rebuild it with `make train-parser` (needs ../shared/data/ud-english-ewt)"
        )
    return spacy.load(model_dir)


def parse_sentences(texts: list[str], nlp, batch_size: int = BATCH_SIZE) -> list:
    """Parse each sentence string into its own Doc, in batches; return the Docs in input order.

    Args:
        texts: sentence strings (one sentence each, as split by pipeline.sentences).
        nlp: the pipeline from load_parser().
        batch_size: Docs per batch.
    """
    return list(nlp.pipe(texts, batch_size=batch_size))


_WORD_RE = re.compile(r"[^\W\d_][\w'’.-]*")
_SMALL_WORDS = frozenset("a an and as at but by for from in into of on or the to with".split())


def parse_form(text: str, keep: list[tuple[int, int]]) -> str | None:
    """A title-case or all-caps sentence (a headline) lowercased outside names, as EWT's parser reads best; else None.

    "U.S. Sends Arms to Aid Iraq" parses "Sends" as a proper noun; "U.S. sends arms to aid Iraq" parses right.
    The result has the same length as the text, so offsets found in one hold in the other.

    Args:
        text: the sentence.
        keep: character spans left as written (party names).
    """
    every = list(_WORD_RE.finditer(text))
    words = [m.group() for m in every if m.group().lower() not in _SMALL_WORDS]
    if len(words) < 4 or sum(w[0].isupper() for w in words) < 0.8 * len(words):
        return None
    shouting = sum(w.isupper() for w in words) >= 0.8 * len(words)
    out = list(text)
    for k, m in enumerate(every):
        word = m.group()
        if any(s < m.end() and m.start() < e for s, e in keep) or "." in word:
            continue  # names and initialisms ("U.S.") stay
        if word.isupper() and len(word) > 1 and not shouting:
            continue  # an acronym inside a title-case headline ("NATO", "HIMARS")
        lowered = [c.lower() if len(c.lower()) == 1 else c for c in word]
        if k == 0:
            lowered[0] = word[0]  # the first word keeps its capital
        out[m.start():m.end()] = lowered
    return "".join(out)


def restore_text(doc, text: str):
    """The parse of parse_form()'s text over the sentence as written: same tokens, tags and tree.

    Args:
        doc: the parsed Doc of the lowercased form.
        text: the sentence as written (same length).
    """
    from spacy.tokens import Doc

    return Doc(doc.vocab, words=[text[t.idx:t.idx + len(t)] for t in doc], spaces=[bool(t.whitespace_) for t in doc],
               tags=[t.tag_ for t in doc], heads=[t.head.i for t in doc], deps=[t.dep_ for t in doc])


# Penn Treebank tag -> Universal POS: cheaper than running the morphologizer for the few tokens that need it
TAG_TO_POS = {
    "NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "VB": "VERB", "VBD": "VERB", "VBG": "VERB",
    "VBN": "VERB", "VBP": "VERB", "VBZ": "VERB", "MD": "AUX", "JJ": "ADJ", "JJR": "ADJ", "JJS": "ADJ", "RB": "ADV",
    "RBR": "ADV", "RBS": "ADV", "IN": "ADP", "DT": "DET", "PDT": "DET", "PRP": "PRON", "PRP$": "PRON", "WDT": "PRON",
    "WP": "PRON", "WP$": "PRON", "EX": "PRON", "CD": "NUM", "CC": "CCONJ", "TO": "PART", "POS": "PART", "RP": "ADP",
    "WRB": "ADV", "UH": "INTJ", "AFX": "ADJ", "$": "SYM", "SYM": "SYM", "FW": "X", "LS": "X", "ADD": "X", "GW": "X",
    "XX": "X",
}
# components the detector does not run: it reads pos_ off tag_ and computes the few lemmas it needs
UNUSED_COMPONENTS = ("morphologizer", "lemmatizer")


def upos(token) -> str:
    """The token's universal POS, read off the tagger's Penn tag (the morphologizer does not run)."""
    return TAG_TO_POS.get(token.tag_) or token.pos_ or "X"


@lru_cache(maxsize=2)
def _lemma_tables(path: str | None = None) -> tuple[dict, dict, dict]:
    """The rule lemmatizer's tables (index, exceptions, rules by POS) saved with the model."""
    from spacy.lookups import Lookups

    lookups = Lookups().from_disk(Path(path or MODEL_DIR) / "lemmatizer" / "lookups")
    return tuple(lookups.get_table(name, {}) for name in ("lemma_index", "lemma_exc", "lemma_rules"))


@lru_cache(maxsize=200_000)
def lemmatize(word: str, pos: str) -> str:
    """The lemma of a word with a universal POS, by the model's own rule tables (spaCy's rule algorithm).

    Args:
        word: the word as written.
        pos: its universal POS (VERB, NOUN ...).
    """
    index_table, exc_table, rules_table = _lemma_tables()
    p = pos.lower()
    lower = word.lower()
    if not any((index_table.get(p), exc_table.get(p), rules_table.get(p))):
        return lower
    index = index_table.get(p, {})
    exceptions = exc_table.get(p, {}).get(lower, [])
    if exceptions:
        return exceptions[0]
    found, oov = [], []
    for old, new in rules_table.get(p, []):
        if lower.endswith(old):
            form = lower[: len(lower) - len(old)] + new
            if form and (form in index or not form.isalpha()):
                found.append(form) if form not in index else found.insert(0, form)
            elif form:
                oov.append(form)
    return (found or oov or [lower])[0]
