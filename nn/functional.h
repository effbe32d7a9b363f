// ember::nn::functional, spelled as libtorch's torch::nn::functional: each
// function takes its tensors and one options struct with chained setters
// (`F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).padding(1))`). They are the
// ops of ops/ themselves, which take those options structs: this header only
// makes their names F's. No op is implemented or wrapped here.
#pragma once

#include "ops/activation.h"
#include "ops/conv.h"
#include "ops/conv3d.h"
#include "ops/pool3d.h"
#include "ops/conv_transpose.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/softmax.h"
#include "ops/unfold.h"
#include "ops/upsample.h"
#include "ops/embedding.h"

namespace ember::nn::functional {

// The ops of ember (the headers above) are F's names: a using-directive rather
// than a list of using-declarations, so an op added to its family header is
// F::op at once and no second list can forget it.
using namespace ::ember;

}  // namespace ember::nn::functional
