"""Faster CPU matrix products for thinc: numpy's BLAS instead of thinc's bundled blis.

On this project's CPUs the bundled blis runs several times slower than numpy's OpenBLAS
(bench: thinc gemm ~2.7 GFLOPS vs numpy ~10 on one core), and gemm is most of a CNN NER's time.
Models built while these ops are current use them; results are the same up to float rounding.

They also read embedding tables stored in float16 (`newsmon.nlp.ner.train.store_half`: the shipped
models keep their hash-embedding tables and static vectors at half size on disk): a gathered row is
summed in float32, and `matmul` of float16 vectors with float32 weights gives float32, so every layer
after the lookup computes in float32 as before. thinc's compiled `gather_add` takes float32 only.
"""

from __future__ import annotations

from typing import Any

import numpy
from thinc.api import NumpyOps, get_current_ops, set_current_ops


class MatmulOps(NumpyOps):  # type: ignore[misc]  # thinc's compiled NumpyOps is untyped
    name = "newsmon_numpy"

    def gemm(
        self, x: Any, y: Any, out: Any = None, trans1: bool = False, trans2: bool = False
    ) -> Any:
        if trans1:
            x = x.T
        if trans2:
            y = y.T
        if out is None:
            return numpy.matmul(x, y)
        numpy.matmul(x, y, out=out)
        return out

    def gather_add(self, table: Any, indices: Any) -> Any:
        if table.dtype == numpy.float32:
            return super().gather_add(table, indices)
        return table[indices].sum(axis=1, dtype=numpy.float32)


def use_matmul_ops() -> None:
    """Make MatmulOps current unless a GPU or other non-numpy ops are in use."""
    if type(get_current_ops()) is NumpyOps:
        set_current_ops(MatmulOps())
