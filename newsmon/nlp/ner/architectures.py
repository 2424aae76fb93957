"""Model architectures registered with spaCy (imported before a project model is built or loaded)."""

from __future__ import annotations

from spacy.ml import _character_embed
from spacy.ml.models.tok2vec import MultiHashEmbed
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Floats2d


@registry.architectures("newsmon.HashCharEmbed.v1")  # type: ignore[untyped-decorator]
def HashCharEmbed(
    width: int,
    attrs: list[str],
    rows: list[int],
    nM: int,
    nC: int,
    include_static_vectors: bool = False,
) -> Model[list[Doc], list[Floats2d]]:
    """Hashed NORM/PREFIX/SUFFIX/SHAPE embeddings concatenated with per-byte character embeddings.

    The character part sees the first and last nC/2 UTF-8 bytes of each word (two bytes a Cyrillic
    letter): Kazakh and Russian mark case and number in suffixes longer than spaCy's 3-char SUFFIX.
    """
    hashed = MultiHashEmbed(
        width=width, attrs=attrs, rows=rows, include_static_vectors=include_static_vectors
    )
    chars = _character_embed.CharacterEmbed(nM=nM, nC=nC)
    model: Model[list[Doc], list[Floats2d]] = chain(
        concatenate(chain(chars, list2ragged()), chain(hashed, list2ragged())),
        with_array(Maxout(width, nM * nC + width, nP=3, normalize=True, dropout=0.0)),
        ragged2list(),
    )
    return model
