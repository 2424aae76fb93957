"""Static vectors for the Russian model, built offline from navec (shipped inside the natasha wheel).

navec news v1 has 250K lowercase words x 300 dims (26 MB product-quantized; 300 MB as floats). To fit
the 60 MB model budget: PCA to `dims` dimensions, then `Vectors.prune_vectors` keeps `rows` rows (the
words most frequent in the given training texts first) and maps every other word to its nearest kept
row, so all 250K words still get a vector.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from spacy.vectors import Vectors

from newsmon.nlp.lang import blank

_WORD = re.compile(r"\w+(?:-\w+)*")


def navec_path() -> Path:
    import natasha

    path = Path(natasha.__file__).parent / "data" / "emb" / "navec_news_v1_1B_250K_300d_100q.tar"
    if not path.is_file():
        raise FileNotFoundError(f"navec embeddings not found at {path} (natasha>=1.6 ships them)")
    return path


NAVEC_ROWS = 40_000  # 100-dim rows: 16 MB of the ru model, which must stay under 60 MB (10^6 bytes)


def build_navec_vectors(
    out_dir: Path, texts: Iterable[str], rows: int = NAVEC_ROWS, dims: int = 100
) -> Path:
    """Write a blank ru pipeline with pruned navec vectors (attr LOWER) to `out_dir`; return it."""
    from navec import Navec

    navec = Navec.load(navec_path())
    words = [w for w in navec.vocab.words if w not in ("<unk>", "<pad>")]
    matrix = navec.pq.unpack()[[navec.vocab[w] for w in words]].astype(np.float32)
    matrix -= matrix.mean(axis=0)
    _, vecs = np.linalg.eigh(matrix.T @ matrix)
    matrix = np.ascontiguousarray(matrix @ vecs[:, ::-1][:, :dims], dtype=np.float32)
    freq = Counter(w.lower() for text in texts for w in _WORD.findall(text))
    order = sorted(range(len(words)), key=lambda i: (-freq.get(words[i], 0), i))
    nlp = blank("ru")
    for word in words:
        nlp.vocab.strings.add(word)
    vectors = Vectors(
        strings=nlp.vocab.strings, data=matrix[order], keys=[words[i] for i in order], attr="LOWER"
    )
    nlp.vocab.vectors = vectors
    nlp.vocab.prune_vectors(rows, batch_size=4096)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    return out_dir
