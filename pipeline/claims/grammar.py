"""Dependency parses of sentences with the parser trained on UD English EWT (models/parser/model)."""

from __future__ import annotations

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
