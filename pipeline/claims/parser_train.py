"""Train the claim detector's dependency parser on UD English EWT and publish it to models/parser/model.

Run `python -m pipeline.claims.parser_train` (or `make train-parser`): converts the EWT .conllu files into
.spacy files under models/parser/training/ (git-ignored), trains the pipeline of models/parser/config.cfg
(tok2vec, tagger, morphologizer, parser, and a rule lemmatizer whose tables come from EWT's lemmas), scores the best model on the EWT test
split and writes it, with the test scores in its meta.json, to models/parser/model. Seeded: the same
config, data and seed give the same weights on one thread.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import spacy
from spacy.lookups import Lookups

REPO_ROOT = Path(__file__).resolve().parents[2]
PARSER_DIR = REPO_ROOT / "models" / "parser"
DEFAULT_CONFIG = PARSER_DIR / "config.cfg"
DEFAULT_WORK = PARSER_DIR / "training"
DEFAULT_OUTPUT = PARSER_DIR / "model"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "ud-english-ewt"
SPLITS = ("train", "dev", "test")
# What the meta.json of the published model says about its data (CC BY-SA 4.0 asks for attribution).
SOURCE = {
    "name": "UD English EWT v2.15 (Universal Dependencies, UD_English-EWT, release 2.15, 2024-11-15)",
    "url": "https://github.com/UniversalDependencies/UD_English-EWT",
    "license": "CC BY-SA 4.0",
}


# Suffix rules of spaCy's rule lemmatizer for forms EWT never shows: (suffix, replacement), most specific
# first, since a candidate found in the lemma index wins and otherwise the first rule's candidate does.
LEMMA_RULES = {
    "noun": [["ies", "y"], ["ches", "ch"], ["shes", "sh"], ["sses", "ss"], ["xes", "x"], ["zes", "z"],
             ["men", "man"], ["s", ""]],
    "verb": [["ies", "y"], ["ied", "y"], ["ying", "y"],
             *[[d + d + "ed", d] for d in "bdgmnprt"], *[[d + d + "ing", d] for d in "bdgmnprt"],
             ["ated", "ate"], ["ating", "ate"], ["ized", "ize"], ["izing", "ize"], ["ised", "ise"],
             ["ising", "ise"], ["ced", "ce"], ["cing", "ce"], ["ved", "ve"], ["ving", "ve"], ["uded", "ude"],
             ["uding", "ude"], ["ssed", "ss"], ["sses", "ss"], ["ches", "ch"], ["shes", "sh"], ["xes", "x"],
             ["ed", ""], ["ed", "e"], ["ing", ""], ["ing", "e"], ["es", "e"], ["es", ""], ["s", ""]],
    "adj": [["ier", "y"], ["iest", "y"], ["er", ""], ["est", ""], ["er", "e"], ["est", "e"]],
}


def build_lemma_lookups(conllu: Path) -> Lookups:
    """Tables for spaCy's rule lemmatizer from EWT's lemma column: every seen (UPOS, form) and the suffix rules.

    Plural nouns that EWT lemmatises as themselves ("supplies") are left to the rules, so they become
    singular ("supply"), as the claim detector wants; proper nouns keep their form.

    Args:
        conllu: the EWT training .conllu file.
    """
    seen: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for line in conllu.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) != 10 or not cols[0].isdigit() or cols[3] in ("PROPN", "_"):
            continue
        pos, form, lemma, tag = cols[3].lower(), cols[1].lower(), cols[2], cols[4]
        if pos == "noun" and tag == "NNS" and lemma.lower() == form:
            lemma = ""  # counted only for the index, so the rules decide
        seen[pos, form][lemma] += 1
    index: dict[str, set] = defaultdict(set)
    exceptions: dict[str, dict] = defaultdict(dict)
    for (pos, form), lemmas in sorted(seen.items()):
        lemma = lemmas.most_common(1)[0][0]
        if lemma:
            exceptions[pos][form] = [lemma]
            index[pos].add(lemma)
    # spaCy puts a rule's candidate that is in the index before an exception's lemma that the rules also
    # produce: drop such shadowing candidates ("trye", a typo lemma, shadowed "trying" -> "try").
    for pos, rules in LEMMA_RULES.items():
        for form, (lemma,) in exceptions[pos].items():
            index[pos].difference_update(c for c in rule_candidates(form, rules) if c != lemma)
    lookups = Lookups()
    lookups.add_table("lemma_rules", LEMMA_RULES)
    lookups.add_table("lemma_index", {pos: sorted(words) for pos, words in index.items() if pos in LEMMA_RULES})
    lookups.add_table("lemma_exc", dict(exceptions))
    return lookups


def rule_candidates(form: str, rules: list[list[str]]) -> list[str]:
    """The forms the suffix rules make of `form`, in rule order.

    Args:
        form: a lowercased word.
        rules: (suffix, replacement) pairs.
    """
    return [form[: len(form) - len(old)] + new for old, new in rules if form.endswith(old) and len(form) > len(old)]


@spacy.registry.misc("transfer_watch.ewt_lemma_lookups.v1")
def ewt_lemma_lookups(path: str) -> Lookups:
    """Config hook: the rule lemmatizer's tables, built from the EWT .conllu file at `path`."""
    return build_lemma_lookups(Path(path))


def convert_conllu(src: Path, dest: Path, limit: int | None = None) -> int:
    """Convert one .conllu file into a .spacy file of single-sentence Docs; return the sentence count.

    Args:
        src: the .conllu file.
        dest: the .spacy file to write.
        limit: keep only the first `limit` sentences (None: all).
    """
    from spacy.tokens import DocBin
    from spacy.training.converters import conllu_to_docs

    # One sentence per Doc: the detector parses single sentences, so the parser should never learn
    # to expect (or insert) a sentence break inside its input.
    docs = conllu_to_docs(src.read_text(encoding="utf-8"), n_sents=1, no_print=True)
    doc_bin = DocBin(store_user_data=False)
    count = 0
    for doc in itertools.islice(docs, limit):
        doc_bin.add(doc)
        count += 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    doc_bin.to_disk(dest)
    return count


def convert_corpus(data_dir: Path, corpus_dir: Path, limit: int | None = None) -> dict[str, Path]:
    """Convert the EWT train/dev/test .conllu files; return the .spacy path of each split (and "lemmas").

    Args:
        data_dir: folder holding en_ewt-ud-{train,dev,test}.conllu.
        corpus_dir: folder for the .spacy files.
        limit: sentences kept per split (None: all).
    """
    paths = {}
    for split in SPLITS:
        src = data_dir / f"en_ewt-ud-{split}.conllu"
        if not src.is_file():
            raise FileNotFoundError(f"{src} is missing: the parser trains on UD English EWT ({data_dir})")
        paths[split] = corpus_dir / f"{split}.spacy"
        count = convert_conllu(src, paths[split], limit)
        print(f"converted {src.name}: {count} sentences -> {paths[split]}")
    paths["lemmas"] = data_dir / "en_ewt-ud-train.conllu"
    return paths


def train_pipeline(config: Path, corpus: dict[str, Path], run_dir: Path, overrides: dict) -> Path:
    """Train the pipeline of `config` on the converted corpus; return the best model's folder.

    Args:
        config: the spaCy training config.
        corpus: .spacy paths by split (train and dev are used).
        run_dir: folder for spaCy's model-best and model-last.
        overrides: extra config overrides, dotted keys to values.
    """
    from spacy.cli.train import train

    settings = {"paths.train": str(corpus["train"]), "paths.dev": str(corpus["dev"]),
                "paths.lemmas": str(corpus["lemmas"]), **overrides}
    train(config, run_dir, use_gpu=-1, overrides=settings)
    return run_dir / "model-best"


def evaluate_model(nlp, test_path: Path) -> dict[str, float]:
    """Score a loaded pipeline on a .spacy file (gold tokens); return the headline figures.

    Args:
        nlp: the loaded spaCy pipeline.
        test_path: the .spacy file to score on.
    """
    from spacy.training import Corpus

    scores = nlp.evaluate(list(Corpus(str(test_path))(nlp)))
    keys = ("dep_uas", "dep_las", "tag_acc", "pos_acc", "morph_acc", "lemma_acc", "sents_f")
    return {key: round(float(scores[key]), 4) for key in keys if scores.get(key) is not None}


def publish_model(best: Path, output: Path, test_scores: dict, train_seconds: float) -> None:
    """Write the best model to `output` with its EWT test scores and data source in meta.json.

    Args:
        best: spaCy's model-best folder.
        output: the folder to (re)write.
        test_scores: scores on the EWT test split.
        train_seconds: wall time of the training run.
    """
    nlp = spacy.load(best)
    nlp.meta.update(
        name="transfer_watch_parser",
        description="Tagger, morphologizer, rule lemmatizer (EWT tables) and parser trained on UD English EWT",
        license="CC BY-SA 4.0",
        sources=[SOURCE],
        ewt_test=test_scores,
        train_seconds=round(train_seconds),
    )
    if output.exists():
        shutil.rmtree(output)
    nlp.to_disk(output)


def parse_overrides(pairs: list[str]) -> dict:
    """Turn `section.key=value` strings into config overrides (values parsed as JSON when they can be).

    Args:
        pairs: strings as given to --set.
    """
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set wants section.key=value, got {pair!r}")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    """Convert, train, evaluate on EWT test and publish; print the test scores as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="UD English EWT folder")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="corpus and run folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the model goes")
    parser.add_argument("--run", default="main", help="name of the run folder under WORK/runs")
    parser.add_argument("--limit", type=int, default=None, help="sentences per split (smoke runs)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. --set training.max_steps=200")
    args = parser.parse_args(argv)

    corpus = convert_corpus(args.data, args.work / "corpus", args.limit)
    started = time.monotonic()
    best = train_pipeline(args.config, corpus, args.work / "runs" / args.run, parse_overrides(args.set))
    train_seconds = time.monotonic() - started
    scores = evaluate_model(spacy.load(best), corpus["test"])
    publish_model(best, args.output, scores, train_seconds)
    print(json.dumps({"ewt_test": scores, "train_seconds": round(train_seconds), "model": str(args.output)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
