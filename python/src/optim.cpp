// Bindings for optim/ under ember._C._optim: the optimizers (built from
// lists of (params, options dict) groups; python/ember/optim gives them
// PyTorch's signatures), options by name for the param_groups view, state
// dicts, the schedulers, clipping and EarlyStopping.
#include <pybind11/functional.h>

#include <algorithm>

#include "bindings.h"
#include "optim/adadelta.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamax.h"
#include "optim/adamw.h"
#include "optim/clip_grad.h"
#include "optim/early_stopping.h"
#include "optim/lbfgs.h"
#include "optim/lr_scheduler.h"
#include "optim/nadam.h"
#include "optim/radam.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"

namespace ember::python {

namespace {

using namespace ember::optim;

using OptionsDict = std::map<std::string, double>;
using GroupSpec = std::pair<std::vector<Tensor>, OptionsDict>;

template <class Options>
Options options_from(const Options& base, const OptionsDict& values) {
  Options o = base;
  for (const auto& [key, value] : values) o.set(key, value);
  return o;
}

template <class Opt, class Options>
void bind_optimizer(py::module_& m, const char* name) {
  py::class_<Opt, Optimizer>(m, name).def(
      py::init([](const std::vector<GroupSpec>& groups, const OptionsDict& defaults) {
        Options d = options_from(Options(), defaults);
        std::vector<OptimizerParamGroup> built;
        for (const auto& [params, values] : groups)
          built.emplace_back(params, std::make_unique<Options>(options_from(d, values)));
        return std::make_unique<Opt>(built, d);
      }),
      "param_groups"_a, "defaults"_a);
}

// The numeric options of a Python-defined optimizer (ember.optim.Optimizer
// subclassed the PyTorch way), whatever their names: schedulers read and
// write "lr", "momentum" and "beta1" here. Other values stay on the Python side.
class DynamicOptions : public OptimizerOptions {
 public:
  explicit DynamicOptions(const OptionsDict& values) : values_(values.begin(), values.end()) {
    // "lr" first, as in every built-in optimizer's options.
    std::stable_partition(values_.begin(), values_.end(), [](const auto& kv) { return kv.first == "lr"; });
  }
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<DynamicOptions>(*this); }
  void validate(const std::string&) const override {}  // PyTorch's base Optimizer checks no values

 protected:
  std::vector<Field> fields() override {
    std::vector<Field> out;
    for (auto& [key, value] : values_) out.push_back({key.c_str(), &value, nullptr});
    return out;
  }

 private:
  std::vector<std::pair<std::string, double>> values_;
};

// The C++ side of a Python-defined optimizer: it holds the groups and their
// numeric options (for schedulers); the update is the Python step().
class PythonOptimizer : public Optimizer {
 public:
  PythonOptimizer(const std::vector<OptimizerParamGroup>& groups, const OptionsDict& defaults, const std::string& name)
      : Optimizer(groups, std::make_unique<DynamicOptions>(defaults), name) {}

 protected:
  void update(Tensor&, const Tensor&, const OptimizerOptions&, ParamState&) override {
    EMBER_CHECK_STATE(false, "{}: a Python-defined optimizer updates its parameters in its own step()", name());
  }
};

}  // namespace

void bind_optim(py::module_& root) {
  py::module_ m = root.def_submodule("_optim", "ember's C++ optimizers, schedulers and clipping");

  py::class_<Optimizer>(m, "Optimizer")
      .def("_step", [](Optimizer& o) { o.step(); })
      // The closure runs Python code: it returns the loss tensor (LBFGS calls it many times per step).
      .def("_step_closure", [](Optimizer& o, const std::function<Tensor()>& closure) { return o.step(closure); },
           "closure"_a)
      .def("zero_grad", &Optimizer::zero_grad, "set_to_none"_a = true)
      .def_property_readonly("_name", &Optimizer::name)
      .def("_num_groups", [](const Optimizer& o) { return o.param_groups().size(); })
      .def("_group_params", [](const Optimizer& o, size_t i) { return o.param_groups().at(i).params(); })
      .def("_group_keys", [](const Optimizer& o, size_t i) { return o.param_groups().at(i).options().keys(); })
      .def("_get_option", [](const Optimizer& o, size_t i, const std::string& key) {
        const auto& g = o.param_groups().at(i);
        if (key == "initial_lr") {
          if (!g.initial_lr) throw py::key_error(key);
          return *g.initial_lr;
        }
        if (!g.options().has(key)) throw py::key_error(key);
        return g.options().get(key);
      })
      .def("_set_option",
           [](Optimizer& o, size_t i, const std::string& key, double value) {
             auto& g = o.param_groups().at(i);
             if (key == "initial_lr") {
               g.initial_lr = value;
               return;
             }
             auto changed = g.options().clone();
             changed->set(key, value);
             changed->validate(o.name());
             g.set_options(std::move(changed));
           })
      .def("_add_param_group",
           [](Optimizer& o, const std::vector<Tensor>& params, const OptionsDict& values) {
             auto options = o.defaults().clone();
             for (const auto& [key, value] : values) options->set(key, value);
             o.add_param_group(OptimizerParamGroup(params, std::move(options)));
           })
      .def("_state_dict",
           [](const Optimizer& o) {
             TensorDict d = o.state_dict();
             return std::make_pair(d.tensors, d.metadata);
           })
      .def("_load_state_dict",
           [](Optimizer& o, const std::map<std::string, Tensor>& tensors,
              const std::map<std::string, std::string>& metadata) { o.load_state_dict(TensorDict{tensors, metadata}); })
      .def("_save", [](const Optimizer& o, const std::string& path) { save(o, path); })
      .def("_load", [](Optimizer& o, const std::string& path) { load(o, path); });

  py::class_<PythonOptimizer, Optimizer>(m, "PythonOptimizer")
      .def(py::init([](const std::vector<GroupSpec>& groups, const OptionsDict& defaults, const std::string& name) {
             std::vector<OptimizerParamGroup> built;
             for (const auto& [params, values] : groups) {
               OptionsDict merged = defaults;
               for (const auto& [k, v] : values) merged[k] = v;
               built.emplace_back(params, std::make_unique<DynamicOptions>(merged));
             }
             return std::make_unique<PythonOptimizer>(built, defaults, name);
           }),
           "param_groups"_a, "defaults"_a, "name"_a)
      .def("_add_group", [](PythonOptimizer& o, const std::vector<Tensor>& params, const OptionsDict& values) {
        o.add_param_group(OptimizerParamGroup(params, std::make_unique<DynamicOptions>(values)));
      });
  bind_optimizer<SGD, SGDOptions>(m, "SGD");
  bind_optimizer<Adam, AdamOptions>(m, "Adam");
  bind_optimizer<AdamW, AdamWOptions>(m, "AdamW");
  bind_optimizer<Adagrad, AdagradOptions>(m, "Adagrad");
  bind_optimizer<RMSprop, RMSpropOptions>(m, "RMSprop");
  bind_optimizer<Adadelta, AdadeltaOptions>(m, "Adadelta");
  bind_optimizer<Adamax, AdamaxOptions>(m, "Adamax");
  bind_optimizer<NAdam, NAdamOptions>(m, "NAdam");
  bind_optimizer<RAdam, RAdamOptions>(m, "RAdam");
  bind_optimizer<LBFGS, LBFGSOptions>(m, "LBFGS");

  // Schedulers keep a reference to their optimizer: keep_alive ties the lifetimes.
  py::class_<LRScheduler, std::shared_ptr<LRScheduler>>(m, "LRScheduler")
      .def("step", py::overload_cast<>(&LRScheduler::step))
      .def("get_last_lr", &LRScheduler::get_last_lr)
      .def_property_readonly("last_epoch", &LRScheduler::last_epoch)
      .def_property_readonly("base_lrs", &LRScheduler::base_lrs)
      .def("state_dict", &LRScheduler::state_dict)
      .def("load_state_dict", &LRScheduler::load_state_dict, "state_dict"_a);
  py::class_<StepLR, LRScheduler, std::shared_ptr<StepLR>>(m, "StepLR")
      .def(py::init<Optimizer&, int64_t, double, int64_t>(), "optimizer"_a, "step_size"_a, "gamma"_a = 0.1,
           "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<MultiStepLR, LRScheduler, std::shared_ptr<MultiStepLR>>(m, "MultiStepLR")
      .def(py::init<Optimizer&, std::vector<int64_t>, double, int64_t>(), "optimizer"_a, "milestones"_a,
           "gamma"_a = 0.1, "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<ExponentialLR, LRScheduler, std::shared_ptr<ExponentialLR>>(m, "ExponentialLR")
      .def(py::init<Optimizer&, double, int64_t>(), "optimizer"_a, "gamma"_a, "last_epoch"_a = -1,
           py::keep_alive<1, 2>());
  py::class_<CosineAnnealingLR, LRScheduler, std::shared_ptr<CosineAnnealingLR>>(m, "CosineAnnealingLR")
      .def(py::init<Optimizer&, int64_t, double, int64_t>(), "optimizer"_a, "T_max"_a, "eta_min"_a = 0.0,
           "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<LinearLR, LRScheduler, std::shared_ptr<LinearLR>>(m, "LinearLR")
      .def(py::init<Optimizer&, double, double, int64_t, int64_t>(), "optimizer"_a, "start_factor"_a = 1.0 / 3,
           "end_factor"_a = 1.0, "total_iters"_a = 5, "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<LambdaLR, LRScheduler, std::shared_ptr<LambdaLR>>(m, "LambdaLR")
      .def(py::init<Optimizer&, std::vector<LambdaLR::Lambda>, int64_t>(), "optimizer"_a, "lr_lambda"_a,
           "last_epoch"_a = -1, py::keep_alive<1, 2>())
      .def(py::init<Optimizer&, LambdaLR::Lambda, int64_t>(), "optimizer"_a, "lr_lambda"_a, "last_epoch"_a = -1,
           py::keep_alive<1, 2>());
  py::class_<OneCycleLR, LRScheduler, std::shared_ptr<OneCycleLR>>(m, "OneCycleLR")
      .def(py::init([](Optimizer& opt, const std::vector<double>& max_lr, std::optional<int64_t> total_steps,
                       std::optional<int64_t> epochs, std::optional<int64_t> steps_per_epoch, double pct_start,
                       const std::string& anneal_strategy, bool cycle_momentum, double base_momentum,
                       double max_momentum, double div_factor, double final_div_factor, bool three_phase,
                       int64_t last_epoch) {
             OneCycleLROptions o(max_lr);
             o.total_steps_ = total_steps;
             o.epochs_ = epochs;
             o.steps_per_epoch_ = steps_per_epoch;
             o.pct_start(pct_start).anneal_strategy(anneal_strategy).cycle_momentum(cycle_momentum);
             o.base_momentum(base_momentum).max_momentum(max_momentum).div_factor(div_factor);
             o.final_div_factor(final_div_factor).three_phase(three_phase);
             return std::make_shared<OneCycleLR>(opt, o, last_epoch);
           }),
           "optimizer"_a, "max_lr"_a, "total_steps"_a = py::none(), "epochs"_a = py::none(),
           "steps_per_epoch"_a = py::none(), "pct_start"_a = 0.3, "anneal_strategy"_a = "cos",
           "cycle_momentum"_a = true, "base_momentum"_a = 0.85, "max_momentum"_a = 0.95, "div_factor"_a = 25.0,
           "final_div_factor"_a = 1e4, "three_phase"_a = false, "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<SequentialLR, LRScheduler, std::shared_ptr<SequentialLR>>(m, "SequentialLR")
      .def(py::init<Optimizer&, std::vector<std::shared_ptr<LRScheduler>>, std::vector<int64_t>>(), "optimizer"_a,
           "schedulers"_a, "milestones"_a, py::keep_alive<1, 2>(), py::keep_alive<1, 3>());
  py::class_<MultiplicativeLR, LRScheduler, std::shared_ptr<MultiplicativeLR>>(m, "MultiplicativeLR")
      .def(py::init<Optimizer&, std::vector<MultiplicativeLR::Lambda>, int64_t>(), "optimizer"_a, "lr_lambda"_a,
           "last_epoch"_a = -1, py::keep_alive<1, 2>())
      .def(py::init<Optimizer&, MultiplicativeLR::Lambda, int64_t>(), "optimizer"_a, "lr_lambda"_a,
           "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<ConstantLR, LRScheduler, std::shared_ptr<ConstantLR>>(m, "ConstantLR")
      .def(py::init<Optimizer&, double, int64_t, int64_t>(), "optimizer"_a, "factor"_a = 1.0 / 3, "total_iters"_a = 5,
           "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<PolynomialLR, LRScheduler, std::shared_ptr<PolynomialLR>>(m, "PolynomialLR")
      .def(py::init<Optimizer&, int64_t, double, int64_t>(), "optimizer"_a, "total_iters"_a = 5, "power"_a = 1.0,
           "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<CosineAnnealingWarmRestarts, LRScheduler, std::shared_ptr<CosineAnnealingWarmRestarts>>(
      m, "CosineAnnealingWarmRestarts")
      .def(py::init<Optimizer&, int64_t, int64_t, double, int64_t>(), "optimizer"_a, "T_0"_a, "T_mult"_a = 1,
           "eta_min"_a = 0.0, "last_epoch"_a = -1, py::keep_alive<1, 2>())
      .def(
          "step",
          [](CosineAnnealingWarmRestarts& s, std::optional<double> epoch) {
            if (epoch) s.step(*epoch);
            else s.step();
          },
          "epoch"_a = py::none())
      .def_property_readonly("T_cur", &CosineAnnealingWarmRestarts::T_cur)
      .def_property_readonly("T_i", &CosineAnnealingWarmRestarts::T_i);
  py::class_<CyclicLR, LRScheduler, std::shared_ptr<CyclicLR>>(m, "CyclicLR")
      .def(py::init([](Optimizer& opt, const std::vector<double>& base_lr, const std::vector<double>& max_lr,
                       double step_size_up, std::optional<double> step_size_down, const std::string& mode,
                       double gamma, std::optional<std::function<double(double)>> scale_fn,
                       const std::string& scale_mode, bool cycle_momentum, const std::vector<double>& base_momentum,
                       const std::vector<double>& max_momentum, int64_t last_epoch) {
             CyclicLROptions o(base_lr, max_lr);
             o.step_size_up(step_size_up).step_size_down(step_size_down).mode(mode).gamma(gamma);
             if (scale_fn) o.scale_fn(*scale_fn);
             o.scale_mode(scale_mode).cycle_momentum(cycle_momentum).base_momentum(base_momentum);
             o.max_momentum(max_momentum);
             return std::make_shared<CyclicLR>(opt, o, last_epoch);
           }),
           "optimizer"_a, "base_lr"_a, "max_lr"_a, "step_size_up"_a = 2000.0, "step_size_down"_a = py::none(),
           "mode"_a = "triangular", "gamma"_a = 1.0, "scale_fn"_a = py::none(), "scale_mode"_a = "cycle",
           "cycle_momentum"_a = true, "base_momentum"_a = std::vector<double>{0.8},
           "max_momentum"_a = std::vector<double>{0.9}, "last_epoch"_a = -1, py::keep_alive<1, 2>());
  py::class_<ChainedScheduler, LRScheduler, std::shared_ptr<ChainedScheduler>>(m, "ChainedScheduler")
      .def(py::init<std::vector<std::shared_ptr<LRScheduler>>>(), "schedulers"_a, py::keep_alive<1, 2>());
  py::class_<ReduceLROnPlateau>(m, "ReduceLROnPlateau")
      .def(py::init([](Optimizer& opt, const std::string& mode, double factor, int64_t patience, double threshold,
                       const std::string& threshold_mode, int64_t cooldown, const std::vector<double>& min_lr,
                       double eps) {
             return std::make_unique<ReduceLROnPlateau>(opt, ReduceLROnPlateauOptions()
                                                                 .mode(mode)
                                                                 .factor(factor)
                                                                 .patience(patience)
                                                                 .threshold(threshold)
                                                                 .threshold_mode(threshold_mode)
                                                                 .cooldown(cooldown)
                                                                 .min_lr(min_lr)
                                                                 .eps(eps));
           }),
           "optimizer"_a, "mode"_a = "min", "factor"_a = 0.1, "patience"_a = 10, "threshold"_a = 1e-4,
           "threshold_mode"_a = "rel", "cooldown"_a = 0, "min_lr"_a = std::vector<double>{0.0}, "eps"_a = 1e-8,
           py::keep_alive<1, 2>())
      .def("step", &ReduceLROnPlateau::step, "metrics"_a)
      .def("get_last_lr", &ReduceLROnPlateau::get_last_lr)
      .def_property_readonly("last_epoch", &ReduceLROnPlateau::last_epoch)
      .def_property_readonly("best", &ReduceLROnPlateau::best)
      .def_property_readonly("num_bad_epochs", &ReduceLROnPlateau::num_bad_epochs)
      .def("state_dict", &ReduceLROnPlateau::state_dict)
      .def("load_state_dict", &ReduceLROnPlateau::load_state_dict, "state_dict"_a);

  py::class_<EarlyStopping>(m, "EarlyStopping")
      .def(py::init<int64_t, double, const std::string&>(), "patience"_a = 10, "min_delta"_a = 0.0, "mode"_a = "min")
      .def("step", &EarlyStopping::step, "metric"_a)
      .def_property_readonly("should_stop", &EarlyStopping::should_stop)
      .def_property_readonly("improved", &EarlyStopping::improved)
      .def_property_readonly("best", &EarlyStopping::best)
      .def_property_readonly("num_bad_epochs", &EarlyStopping::num_bad_epochs)
      .def("state_dict", &EarlyStopping::state_dict)
      .def("load_state_dict", &EarlyStopping::load_state_dict, "state_dict"_a);

  m.def("clip_grad_norm_", &clip_grad_norm_, "parameters"_a, "max_norm"_a, "norm_type"_a = 2.0,
        "error_if_nonfinite"_a = false);
  m.def("clip_grad_value_", &clip_grad_value_, "parameters"_a, "clip_value"_a);
}

}  // namespace ember::python
