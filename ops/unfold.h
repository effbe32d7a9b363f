// Sliding blocks (torch.nn.functional.unfold / fold, im2col and col2im): unfold
// is a grouped convolution with one-hot kernels and fold its transpose
// (ops/conv.cpp, ops/conv_transpose.cpp), so both share conv's kernels and
// their gradients are each other.
#pragma once

#include "autograd/tensor.h"

namespace ember {

/// unfold's options, libtorch's F::UnfoldFuncOptions: `UnfoldFuncOptions({3, 3}).padding(1).stride(2)`.
struct UnfoldFuncOptions {
  UnfoldFuncOptions(Pair kernel_size) : kernel_size_(kernel_size) {}  // NOLINT(implicit)
  UnfoldFuncOptions& kernel_size(Pair v) { kernel_size_ = v; return *this; }
  UnfoldFuncOptions& dilation(Pair v) { dilation_ = v; return *this; }
  UnfoldFuncOptions& padding(Pair v) { padding_ = v; return *this; }
  UnfoldFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  const Pair& kernel_size() const { return kernel_size_; }
  const Pair& dilation() const { return dilation_; }
  const Pair& padding() const { return padding_; }
  const Pair& stride() const { return stride_; }

 private:
  Pair kernel_size_, dilation_ = 1, padding_ = 0, stride_ = 1;
};

/// fold's options, libtorch's F::FoldFuncOptions: `FoldFuncOptions({4, 5}, {2, 2}).stride(2)`.
struct FoldFuncOptions {
  FoldFuncOptions(Pair output_size, Pair kernel_size) : output_size_(output_size), kernel_size_(kernel_size) {}
  FoldFuncOptions& output_size(Pair v) { output_size_ = v; return *this; }
  FoldFuncOptions& kernel_size(Pair v) { kernel_size_ = v; return *this; }
  FoldFuncOptions& dilation(Pair v) { dilation_ = v; return *this; }
  FoldFuncOptions& padding(Pair v) { padding_ = v; return *this; }
  FoldFuncOptions& stride(Pair v) { stride_ = v; return *this; }
  const Pair& output_size() const { return output_size_; }
  const Pair& kernel_size() const { return kernel_size_; }
  const Pair& dilation() const { return dilation_; }
  const Pair& padding() const { return padding_; }
  const Pair& stride() const { return stride_; }

 private:
  Pair output_size_, kernel_size_, dilation_ = 1, padding_ = 0, stride_ = 1;
};

/// (N, C, H, W) or (C, H, W) -> (N, C kH kW, L): column l = (i, j) of the L
/// = oH x oW blocks, row (c, p, q), holds x[c, i s + p d - pad, j s + q d - pad] (0 outside).
Tensor unfold(const Tensor& input, const UnfoldFuncOptions& options);
/// unfold's adjoint: (N, C kH kW, L) or (C kH kW, L) -> (N, C, output_size),
/// summing the blocks' values back where they came from.
Tensor fold(const Tensor& input, const FoldFuncOptions& options);

}  // namespace ember
