// fuse_conv_bn_eval's arithmetic and fold_conv_bn's walk over Sequentials
// and the ResNet modules (whose forward reads their typed members, so those
// are updated together with the registry).
#include "nn/fold.h"

#include "autograd/grad_mode.h"
#include "nn/models/resnet.h"
#include "nn/modules/container.h"
#include "nn/modules/linear.h"
#include "ops/factory.h"

namespace ember::nn {
namespace {

bool foldable(const Conv2dImpl& conv, const BatchNorm2dImpl& bn) {
  return bn.running_mean.defined() && bn.options.num_features() == conv.options.out_channels();
}

// Folds bn into conv in `parent` (registered as conv_name and bn_name) and
// empties the bn member; false if there is nothing to fold.
bool fold_members(Module& parent, Conv2d& conv, BatchNorm2d& bn, const std::string& conv_name,
                  const std::string& bn_name) {
  if (!conv || !bn || !foldable(*conv, *bn)) return false;
  conv = parent.replace_module(conv_name, fuse_conv_bn_eval(*conv, *bn).ptr());
  parent.replace_module(bn_name, Identity().ptr());
  bn = nullptr;
  return true;
}

int64_t fold_sequential(SequentialImpl& seq) {
  int64_t folded = 0;
  for (size_t i = 0; i + 1 < seq.size(); ++i) {
    auto* conv = seq[int64_t(i)]->as<Conv2dImpl>();
    auto* bn = seq[int64_t(i + 1)]->as<BatchNorm2dImpl>();
    if (!conv || !bn || !foldable(*conv, *bn)) continue;
    seq.replace(int64_t(i), fuse_conv_bn_eval(*conv, *bn).ptr());
    seq.replace(int64_t(i + 1), Identity().ptr());
    ++folded;
  }
  return folded;
}

}  // namespace

Conv2d fuse_conv_bn_eval(const Conv2dImpl& conv, const BatchNorm2dImpl& bn) {
  EMBER_CHECK(!conv.is_training() && !bn.is_training(),
              "fuse_conv_bn_eval: expected conv and bn in eval mode, got conv training={}, bn training={}",
              conv.is_training(), bn.is_training());
  EMBER_CHECK(bn.running_mean.defined(), "fuse_conv_bn_eval: expected a BatchNorm2d with running statistics "
                                         "(track_running_stats=true)");
  EMBER_CHECK(bn.options.num_features() == conv.options.out_channels(),
              "fuse_conv_bn_eval: expected bn.num_features == conv.out_channels, got {} and {}",
              bn.options.num_features(), conv.options.out_channels());
  Conv2dOptions options = conv.options;
  options.bias(true);
  Conv2d fused(options);
  Dtype dtype = conv.weight.dtype();
  fused->to(dtype);
  fused->eval();

  NoGradGuard no_grad;
  int64_t c = conv.options.out_channels();
  auto as_dtype = [&](const Tensor& t) { return t.detach().to(dtype); };
  Tensor scale = (as_dtype(bn.running_var) + bn.options.eps()).rsqrt();
  if (bn.weight.defined()) scale = scale * as_dtype(bn.weight);
  Tensor shift = conv.bias.defined() ? as_dtype(conv.bias) - as_dtype(bn.running_mean) : -as_dtype(bn.running_mean);
  shift = shift * scale;
  if (bn.bias.defined()) shift = shift + as_dtype(bn.bias);
  fused->weight.copy_(conv.weight.detach() * scale.reshape({c, 1, 1, 1}));
  fused->bias.copy_(shift);
  fused->weight.requires_grad_(conv.weight.requires_grad());
  fused->bias.requires_grad_(conv.weight.requires_grad());
  return fused;
}

int64_t fold_conv_bn(Module& module) {
  EMBER_CHECK(!module.is_training(), "fold_conv_bn: expected the module in eval mode (call eval() first)");
  using namespace models;
  int64_t folded = 0;
  // Only the containers and the ResNet modules are rewritten: the leaves the
  // list also holds are left as they are.
  for (const auto& m : module.modules()) {
    if (auto* seq = m->as<SequentialImpl>()) {
      folded += fold_sequential(*seq);
    } else if (auto* basic = m->as<BasicBlockImpl>()) {
      folded += fold_members(*basic, basic->conv1, basic->bn1, "conv1", "bn1");
      folded += fold_members(*basic, basic->conv2, basic->bn2, "conv2", "bn2");
    } else if (auto* bottleneck = m->as<BottleneckImpl>()) {
      folded += fold_members(*bottleneck, bottleneck->conv1, bottleneck->bn1, "conv1", "bn1");
      folded += fold_members(*bottleneck, bottleneck->conv2, bottleneck->bn2, "conv2", "bn2");
      folded += fold_members(*bottleneck, bottleneck->conv3, bottleneck->bn3, "conv3", "bn3");
    } else if (auto* net = m->as<ResNetImpl>()) {
      folded += fold_members(*net, net->conv1, net->bn1, "conv1", "bn1");
    }
  }
  return folded;
}

}  // namespace ember::nn
