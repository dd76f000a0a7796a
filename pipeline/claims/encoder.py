"""Sentence embeddings from a small pretrained encoder (all-MiniLM-L6-v2, int8 ONNX), read with onnxruntime.

The parser reads who gives what to whom; the embedding gives a second opinion on what the sentence is about, learned
from far more text than our labels (a supply of arms, or a launch, a strike, a debate in the same words). The
detector turns it into one claim feature (model.SentenceModel). `python -m pipeline.claims.encoder_export` rebuilds the files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ENCODER_DIR = Path(__file__).resolve().parents[2] / "models" / "encoder"
MODEL_NAME = "minilm.int8.onnx"
MAX_TOKENS = 128  # word pieces read per sentence; longer sentences are cut (news sentences rarely are)


@dataclass(frozen=True)
class Encoder:
    """An ONNX sentence encoder and its word-piece tokenizer."""

    session: object
    tokenizer: object

    def encode(self, texts: list[str]):
        """Unit-length embeddings of `texts`, one row each (float32 numpy array).

        Args:
            texts: sentences.
        """
        import numpy as np

        out = np.zeros((len(texts), self.width()), dtype=np.float32)
        # One sentence per run: the int8 model scales its activations over the whole batch, so a batched sentence's
        # embedding would depend on its neighbours (cosine 0.99) and a borderline claim on how articles were grouped.
        for row, pieces in enumerate(self.tokenizer.encode_batch(texts)):
            feed = {"input_ids": np.array([pieces.ids], dtype=np.int64),
                    "attention_mask": np.array([pieces.attention_mask], dtype=np.int64)}
            out[row] = self.session.run(None, feed)[0][0]
        return out

    def width(self) -> int:
        """Dimensions of an embedding."""
        return int(self.session.get_outputs()[0].shape[1])


@lru_cache(maxsize=2)
def load_encoder(path: str | None = None, threads: int = 1) -> Encoder:
    """Load the committed encoder (cached per process).

    Args:
        path: a folder holding the ONNX model and tokenizer.json (default: models/encoder in the repo).
        threads: CPU threads the encoder may use (one by default: the speed targets are per core, and Airflow's
            other tasks share the machine; training asks for two).
    """
    import onnxruntime
    from tokenizers import Tokenizer

    folder = Path(path) if path else ENCODER_DIR
    model = folder / MODEL_NAME
    if not model.is_file():
        raise FileNotFoundError(f"no sentence encoder at {model}: rebuild it with `make export-encoder`")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()  # each sentence runs alone (see Encoder.encode)
    return Encoder(session, tokenizer)


@lru_cache(maxsize=2)
def encoder_digest(path: str | None = None) -> str:
    """The ONNX model's sha256 (first 16 hex digits): the decisions record which encoder they were trained on.

    Args:
        path: the encoder's folder (default: models/encoder in the repo).
    """
    folder = Path(path) if path else ENCODER_DIR
    return hashlib.sha256((folder / MODEL_NAME).read_bytes()).hexdigest()[:16]
