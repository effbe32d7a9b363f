// IDX files, the format MNIST and Fashion-MNIST ship in: a big-endian header
// (0x00 0x00, a type code, the number of dimensions, then each size as a
// uint32) followed by the row-major values. Read raw or gzip-compressed (told
// apart by the gzip magic bytes, not by the file name) and validated in full.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace ember::data {

/// The element types an IDX file may hold (the third byte of its magic number).
enum class IdxType : uint8_t { UByte = 0x08, Byte = 0x09, Short = 0x0B, Int = 0x0C, Float = 0x0D, Double = 0x0E };

/// An IDX file's header and its values as stored (big-endian bytes).
struct IdxFile {
  IdxType type = IdxType::UByte;
  Shape shape;
  std::vector<uint8_t> bytes;
};

/// Reads and validates an IDX file: magic number, type code, dimensions
/// (overflow-checked) and a length that matches them exactly. Throws
/// ValueError naming the file and what is wrong with it.
IdxFile read_idx_file(const std::string& path);

/// The values of an IDX file as a tensor of its shape: integer types become
/// int64, float float32, double float64. `ember::data::read_idx("t10k-labels-idx1-ubyte.gz")`.
Tensor read_idx(const std::string& path);

/// Writes `values` (any dtype and layout) as an IDX file of element type
/// `type`, gzip-compressed if `gzip`. Throws ValueError if a value does not
/// fit the type (e.g. 300 as UByte) or a size does not fit a uint32.
void write_idx(const std::string& path, const Tensor& values, IdxType type = IdxType::UByte, bool gzip = false);

}  // namespace ember::data
