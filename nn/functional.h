// ember::nn::functional, spelled as libtorch's torch::nn::functional: each
// function takes its tensors and one options struct with chained setters
// (`F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).padding(1))`). They are the
// ops of ops/ themselves, which take those options structs: this header only
// gathers their names. No op is implemented or wrapped here.
#pragma once

#include "ops/activation.h"
#include "ops/conv.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/softmax.h"

namespace ember::nn::functional {

// ---- convolution and pooling: the ops themselves (ops/conv.h, ops/pool.h) ----

using ember::Conv1dFuncOptions;
using ember::Conv2dFuncOptions;
using ember::conv1d;
using ember::conv2d;

using ember::AdaptiveAvgPool2dFuncOptions;
using ember::AdaptiveMaxPool2dFuncOptions;
using ember::AdaptivePool2dFuncOptions;
using ember::AvgPool1dFuncOptions;
using ember::AvgPool2dFuncOptions;
using ember::LPPool2dFuncOptions;
using ember::MaxPool1dFuncOptions;
using ember::MaxPool2dFuncOptions;
using ember::adaptive_avg_pool2d;
using ember::adaptive_max_pool2d;
using ember::adaptive_max_pool2d_with_indices;
using ember::avg_pool1d;
using ember::avg_pool2d;
using ember::lp_pool2d;
using ember::max_pool1d;
using ember::max_pool1d_with_indices;
using ember::max_pool2d;
using ember::max_pool2d_with_indices;

// ---- activations: the ops themselves (ops/activation.h, ops/elementwise.h) ----

using ember::CELUFuncOptions;
using ember::ELUFuncOptions;
using ember::GELUFuncOptions;
using ember::HardtanhFuncOptions;
using ember::LeakyReLUFuncOptions;
using ember::SoftplusFuncOptions;
using ember::celu;
using ember::elu;
using ember::gelu;
using ember::hardsigmoid;
using ember::hardswish;
using ember::hardtanh;
using ember::leaky_relu;
using ember::mish;
using ember::prelu;
using ember::relu;
using ember::relu6;
using ember::selu;
using ember::sigmoid;
using ember::silu;
using ember::softplus;
using ember::softsign;
using ember::tanh;

// ---- softmax, linear, dropout, pad, one_hot (ops/softmax.h, linalg.h, dropout.h, pad.h, index.h) ----

using ember::Dropout2dFuncOptions;
using ember::DropoutFuncOptions;
using ember::LogSoftmaxFuncOptions;
using ember::PadFuncOptions;
using ember::SoftmaxFuncOptions;
using ember::dropout;
using ember::dropout2d;
using ember::linear;
using ember::log_softmax;
using ember::one_hot;
using ember::pad;
using ember::softmax;

// ---- normalization (ops/norm.h) ----

using ember::BatchNormFuncOptions;
using ember::GroupNormFuncOptions;
using ember::InstanceNormFuncOptions;
using ember::LayerNormFuncOptions;
using ember::LocalResponseNormFuncOptions;
using ember::batch_norm;
using ember::group_norm;
using ember::instance_norm;
using ember::layer_norm;
using ember::local_response_norm;

// ---- losses (ops/loss.h) ----

using ember::BinaryCrossEntropyFuncOptions;
using ember::BinaryCrossEntropyWithLogitsFuncOptions;
using ember::CrossEntropyFuncOptions;
using ember::HuberLossFuncOptions;
using ember::KLDivFuncOptions;
using ember::L1LossFuncOptions;
using ember::LossFuncOptions;
using ember::MSELossFuncOptions;
using ember::MultiMarginLossFuncOptions;
using ember::NLLLossFuncOptions;
using ember::SmoothL1LossFuncOptions;
using ember::binary_cross_entropy;
using ember::binary_cross_entropy_with_logits;
using ember::cross_entropy;
using ember::huber_loss;
using ember::kl_div;
using ember::l1_loss;
using ember::mse_loss;
using ember::multi_margin_loss;
using ember::nll_loss;
using ember::smooth_l1_loss;

}  // namespace ember::nn::functional
