"""Real sizes and nonzero counts of tensors, including quantized and tensor-subclass ones.

torchinfo and ``Tensor.nbytes`` report a torchao quantized weight at its outer dtype (fp32);
what it really occupies is the sum of the plain tensors it is made of.
"""

from __future__ import annotations

import torch


def _inner_tensors(tensor: torch.Tensor) -> list[torch.Tensor] | None:
    """The plain tensors a wrapper subclass (torchao and friends) is built from, or None."""
    if type(tensor) in (torch.Tensor, torch.nn.Parameter):
        return None
    flatten = getattr(tensor, "__tensor_flatten__", None)
    if flatten is None:
        return None
    try:
        names, _ = flatten()
    except Exception:
        return None
    inner = [getattr(tensor, name) for name in names]
    return [item for item in inner if isinstance(item, torch.Tensor)]


def tensor_nbytes(tensor: torch.Tensor) -> int:
    """Bytes the tensor's data really occupies."""
    inner = _inner_tensors(tensor)
    if inner is not None:
        return sum(tensor_nbytes(item) for item in inner)
    if tensor.is_sparse:
        return tensor_nbytes(tensor._indices()) + tensor_nbytes(tensor._values())
    if tensor.layout in (torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc):
        by_rows = tensor.layout in (torch.sparse_csr, torch.sparse_bsr)
        compressed = tensor.crow_indices() if by_rows else tensor.ccol_indices()
        plain = tensor.col_indices() if by_rows else tensor.row_indices()
        return sum(tensor_nbytes(part) for part in (compressed, plain, tensor.values()))
    if tensor.is_quantized:
        extra = 0
        if tensor.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            extra = tensor_nbytes(tensor.q_per_channel_scales()) + tensor_nbytes(
                tensor.q_per_channel_zero_points()
            )
        return tensor.numel() * tensor.element_size() + extra
    return tensor.numel() * tensor.element_size()


def is_quantized_tensor(tensor: torch.Tensor) -> bool:
    """A torch quantized tensor or a wrapper subclass (torchao) holding integer data."""
    if tensor.is_quantized:
        return True
    inner = _inner_tensors(tensor)
    return bool(inner) and any(not item.is_floating_point() for item in inner)


def count_nonzero(tensor: torch.Tensor) -> int:
    """Nonzero elements; for quantized or wrapped tensors, of the dequantized values."""
    with torch.no_grad():
        if tensor.is_quantized:
            return int(torch.count_nonzero(tensor.dequantize()))
        if _inner_tensors(tensor) is not None:
            dequantize = getattr(tensor, "dequantize", None)
            if dequantize is None:
                return tensor.numel()
            try:
                return int(torch.count_nonzero(dequantize()))
            except Exception:
                return tensor.numel()
        if tensor.is_sparse or tensor.layout != torch.strided:
            return int(torch.count_nonzero(tensor.to_dense()))
        if tensor.device.type == "meta":
            return tensor.numel()
        return int(torch.count_nonzero(tensor))


def dtype_name(tensor: torch.Tensor) -> str:
    """A short dtype label; wrapped quantized tensors name their storage (e.g. int8)."""
    inner = _inner_tensors(tensor)
    if inner:
        widest = max(inner, key=lambda item: item.numel())
        return f"{str(widest.dtype).removeprefix('torch.')} ({type(tensor).__name__})"
    return str(tensor.dtype).removeprefix("torch.")
