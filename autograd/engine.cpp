// The backward engine. One pass counts, for every node reachable from the
// roots, how many edges lead into it (the roots' own edges included, so roots
// that share a node or lie behind one another are counted once each); nodes
// then run when their count reaches zero, newest first, each exactly once,
// with the sum of the gradients that reached it. No recursion anywhere.
// autograd::grad and backward(inputs=) run only the nodes that lead to what
// was asked for (PyTorch's exec_info): gradients are captured at the inputs'
// edges, and nothing past them runs.
#include "autograd/engine.h"

#include <atomic>
#include <exception>
#include <queue>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/warning.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember::autograd {
namespace {

// Reentrant backward passes nested deeper than this on one thread continue on
// a new thread (with a fresh stack, and a fresh Python recursion count).
constexpr int kMaxReentrantDepth = 32;
thread_local int reentrant_depth = 0;

struct NodeTask {
  uint64_t sequence_nr;
  Node* node;
  bool operator<(const NodeTask& o) const { return sequence_nr < o.sequence_nr; }  // max-heap: newest first
};

// Brings a gradient to the shape and dtype of the tensor it belongs to.
Tensor conform(Tensor grad, const GradMeta& meta, const Node& producer, size_t index) {
  if (grad.shape() != meta.shape) {
    EMBER_CHECK(broadcastable_to(meta.shape, grad.shape()),
                "Function {} returned an invalid gradient at index {} - got {} but expected shape compatible "
                "with {}",
                producer.name(), index, shape_str(grad.shape()), shape_str(meta.shape));
    grad = sum_to(grad, meta.shape);
  }
  if (grad.dtype() != meta.dtype) grad = to_dtype(grad, meta.dtype);
  return grad;
}

void check_nan(const Node& node, const tensor_list& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !grads[i].is_floating_point()) continue;
    NoGradGuard no_grad;
    Tensor t = contiguous(grads[i]);
    bool any_nan = false;
    dispatch_floating(t.dtype(), "anomaly", [&](auto tag) {
      using T = decltype(tag);
      const T* p = t.data_ptr<T>();
      for (int64_t k = 0; k < t.numel(); ++k) any_nan |= p[k] != p[k];
    });
    EMBER_CHECK_STATE(!any_nan, "Function '{}' returned nan values in its {}th output.", node.name(), i);
  }
}

// Anomaly mode's report of a failing node, as PyTorch's: where in the forward
// pass it was made, then the same for each node whose backward made the one before.
void warn_forward_trace(const Node& failing) {
  for (const Node* node = &failing; node; node = node->anomaly_parent().get()) {
    if (node->forward_trace().empty())
      warn_in_failure(fmt::format("Error detected in {}. No forward pass information available. Enable detect "
                                  "anomaly during forward pass for more information.",
                                  node->name()));
    else if (node == &failing)
      warn_in_failure(fmt::format("Error detected in {}. Traceback of forward call that caused the error:\n{}",
                                  node->name(), node->forward_trace()));
    else
      warn_in_failure(fmt::format("\n\nPrevious calculation was induced by {}. Traceback of forward call that "
                                  "induced the previous calculation:\n{}",
                                  node->name(), node->forward_trace()));
  }
}

// What one backward pass computes. With `filtered`, only nodes in `needed`
// run; `captures` are the (node, input slot) pairs whose gradient is returned.
struct GraphTask {
  std::vector<Edge> root_edges;
  tensor_list root_grads;
  bool keep_graph = false;
  bool create_graph = false;
  bool filtered = false;
  std::unordered_set<Node*> needed;
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;
  tensor_list captured;
  std::vector<std::function<void()>> callbacks;  // queue_callback: run when the pass ends
};

thread_local GraphTask* current_task = nullptr;

// Every node reachable from the roots, with its number of incoming edges.
std::unordered_map<Node*, int> count_dependencies(const std::vector<Edge>& root_edges) {
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (const Edge& e : root_edges) {
    ++deps[e.fn.get()];
    if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.fn) continue;
      ++deps[e.fn.get()];
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }
  return deps;
}

// The nodes that lie on a path to a node to run (`run`) or to a capture point.
std::unordered_set<Node*> nodes_leading_to(const std::vector<Edge>& root_edges, const std::unordered_set<Node*>& run,
                                           const std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>>&
                                               captures) {
  std::unordered_set<Node*> needed, visited;
  auto leads = [&](Node* c) { return needed.count(c) || captures.count(c); };
  // Iterative post-order: a node is needed if it is to run or any child leads somewhere.
  std::vector<std::pair<Node*, size_t>> stack;
  for (const Edge& root : root_edges) {
    if (!visited.insert(root.fn.get()).second) continue;
    stack.emplace_back(root.fn.get(), 0);
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->next_edges().size()) {
        Node* child = n->next_edges()[i++].fn.get();
        if (child && visited.insert(child).second) stack.emplace_back(child, 0);
        continue;
      }
      bool need = run.count(n) > 0;
      for (const Edge& e : n->next_edges())
        if (e.fn && leads(e.fn.get())) need = true;
      if (need) needed.insert(n);
      stack.pop_back();
    }
  }
  return needed;
}

void run_graph(GraphTask& task) {
  auto deps = count_dependencies(task.root_edges);
  auto wanted = [&](Node* n) { return !task.filtered || task.needed.count(n) || task.captures.count(n); };

  AutoGradMode mode(task.create_graph);
  std::unordered_map<Node*, tensor_list> buffers;
  std::priority_queue<NodeTask> ready;
  auto deliver = [&](Node* n, uint32_t nr, Tensor g) {
    auto& buf = buffers[n];
    if (buf.size() < n->grad_meta().size()) buf.resize(n->grad_meta().size());
    buf[nr] = buf[nr].defined() ? add(buf[nr], g) : std::move(g);
  };
  auto edge_done = [&](Node* n) {
    if (--deps[n] == 0 && wanted(n)) ready.push({n->sequence_nr(), n});
  };
  for (size_t i = 0; i < task.root_edges.size(); ++i) {
    Node* n = task.root_edges[i].fn.get();
    if (wanted(n)) deliver(n, task.root_edges[i].input_nr, task.root_grads[i]);
    edge_done(n);
  }

  while (!ready.empty()) {
    Node* node = ready.top().node;
    ready.pop();
    std::shared_ptr<Node> keep_alive = node->shared_from_this();
    tensor_list grads = std::move(buffers[node]);
    buffers.erase(node);
    grads.resize(node->grad_meta().size());

    // PyTorch's order (its NOTE [Hooks ordering]): a node grad() only
    // captures runs the tensor hooks on what it received, then gives that
    // away; a node that runs gives away what it received, then runs the
    // tensor hooks (called for every slot, with None where no gradient came),
    // its pre-hooks, itself and its post-hooks.
    auto run_tensor_hooks = [&] {
      for (uint32_t nr = 0; nr < grads.size(); ++nr) grads[nr] = node->run_hooks(nr, std::move(grads[nr]));
    };
    auto capture = [&] {
      if (!task.captures.empty())
        if (auto it = task.captures.find(node); it != task.captures.end())
          for (auto [nr, slot] : it->second) task.captured[slot] = grads[nr];
    };
    if (task.filtered && !task.needed.count(node)) {
      run_tensor_hooks();
      capture();
      continue;
    }
    capture();
    run_tensor_hooks();
    node->run_pre_hooks(grads);
    bool any_defined = false;
    for (const Tensor& g : grads) any_defined |= g.defined();

    tensor_list outputs;
    if (any_defined) {
      try {
        CurrentNodeGuard current(keep_alive);
        tensor_list received = node->has_post_hooks() ? grads : tensor_list{};
        outputs = node->apply(std::move(grads));
        if (node->has_post_hooks()) node->run_post_hooks(outputs, received);
        if (AnomalyMode::is_enabled() && AnomalyMode::should_check_nan()) check_nan(*node, outputs);
      } catch (...) {
        if (AnomalyMode::is_enabled()) warn_forward_trace(*node);
        throw;
      }
      if (!task.keep_graph) node->release_saved();
    }

    const auto& edges = node->next_edges();
    EMBER_CHECK_STATE(!any_defined || outputs.size() <= edges.size() || dynamic_cast<AccumulateGrad*>(node),
                      "function {} returned an incorrect number of gradients (expected {}, got {})", node->name(),
                      edges.size(), outputs.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      Node* next = edges[i].fn.get();
      if (!next) continue;
      if (i < outputs.size() && outputs[i].defined() && wanted(next))
        deliver(next, edges[i].input_nr,
                conform(std::move(outputs[i]), next->grad_meta()[edges[i].input_nr], *node, i));
      edge_done(next);
    }
  }
}

// Runs `task` here, or on a new thread when reentrant passes are nested deep.
void execute(GraphTask& task) {
  if (reentrant_depth >= kMaxReentrantDepth) {
    std::exception_ptr error;
    std::thread worker([&] {
      try {
        execute(task);
      } catch (...) {
        error = std::current_exception();
      }
    });
    worker.join();
    if (error) std::rethrow_exception(error);
    return;
  }
  ++reentrant_depth;
  GraphTask* outer = current_task;
  current_task = &task;
  struct Leave {
    GraphTask* outer;
    ~Leave() {
      --reentrant_depth;
      current_task = outer;
    }
  } leave{outer};
  SavedTensorHooksGuard saved_hooks;
  run_graph(task);
  // By index: a callback may queue more.
  for (size_t i = 0; i < task.callbacks.size(); ++i) task.callbacks[i]();
}

}  // namespace

void queue_callback(std::function<void()> callback) {
  EMBER_CHECK_STATE(current_task != nullptr, "Final callbacks can only be installed during backward pass.");
  current_task->callbacks.push_back(std::move(callback));
}

namespace {

// The edges and seed gradients of the roots, with PyTorch's checks.
void check_root_count(size_t roots, const tensor_list& grad_roots) {
  EMBER_CHECK_STATE(grad_roots.empty() || grad_roots.size() == roots,
                    "grad can be implicitly created only for scalar outputs; got {} tensors and {} gradients", roots,
                    grad_roots.size());
}

// Root i of the pass: where its gradient enters and that gradient (ones when
// omitted for a one-element root), checked against the root's shape.
void add_root(GraphTask& task, size_t i, Edge edge, const Shape& shape, Dtype dtype, const tensor_list& grad_roots) {
  Tensor g = grad_roots.empty() ? Tensor() : grad_roots[i];
  if (!g.defined()) {
    EMBER_CHECK_STATE(numel_of(shape) == 1, "grad can be implicitly created only for scalar outputs");
    g = ones(shape, dtype);
  } else {
    EMBER_CHECK(g.shape() == shape,
                "Mismatch in shape: grad_output[{}] has a shape of {} and output[{}] has a shape of {}.", i,
                shape_str(g.shape()), i, shape_str(shape));
  }
  task.root_edges.push_back(std::move(edge));
  task.root_grads.push_back(g);
}

void prepare_roots(GraphTask& task, const tensor_list& roots, const tensor_list& grad_roots) {
  check_root_count(roots.size(), grad_roots);
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    EMBER_CHECK(r.defined(), "backward: tensor {} is undefined", i);
    EMBER_CHECK_STATE(r.requires_grad(), "element {} of tensors does not require grad and does not have a grad_fn", i);
    add_root(task, i, gradient_edge(r), r.shape(), r.dtype(), grad_roots);
  }
}

void prepare_roots(GraphTask& task, const std::vector<Edge>& roots, const tensor_list& grad_roots) {
  check_root_count(roots.size(), grad_roots);
  for (size_t i = 0; i < roots.size(); ++i) {
    const Edge& e = roots[i];
    EMBER_CHECK(e.fn && e.input_nr < e.fn->grad_meta().size(),
                "backward: root {} is not a gradient edge of the graph (no node, or no input {} on it)", i,
                e.input_nr);
    const GradMeta& meta = e.fn->grad_meta()[e.input_nr];
    add_root(task, i, e, meta.shape, meta.dtype, grad_roots);
  }
}

}  // namespace

Edge input_edge(const Tensor& x, bool retain_non_leaf) {
  EMBER_CHECK_STATE(x.defined() && x.requires_grad(), "One of the differentiated Tensors does not require grad");
  if (retain_non_leaf && !x.is_leaf()) x.retain_grad();
  return gradient_edge(x);
}

namespace {

std::atomic<bool> warned_backward_create_graph{false};

template <class Roots>
void run_backward(const Roots& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
                  bool create_graph, const std::vector<Edge>& inputs) {
  if (create_graph) {
    warn_once(warned_backward_create_graph,
              "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
              "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
              "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
              "to None after use to break the cycle and avoid the leak.");
  }
  GraphTask task;
  task.keep_graph = retain_graph.value_or(create_graph);
  task.create_graph = create_graph;
  prepare_roots(task, roots, grad_roots);
  if (!inputs.empty()) {
    // Only the inputs' accumulators (or, for non-leaves, their nodes, which retain the gradient) run.
    task.filtered = true;
    std::unordered_set<Node*> run;
    for (const Edge& e : inputs) run.insert(e.fn.get());
    task.needed = nodes_leading_to(task.root_edges, run, task.captures);
  }
  execute(task);
}

}  // namespace

void backward(const tensor_list& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const std::vector<Edge>& inputs) {
  run_backward(roots, grad_roots, retain_graph, create_graph, inputs);
}

void backward(const std::vector<Edge>& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const std::vector<Edge>& inputs) {
  run_backward(roots, grad_roots, retain_graph, create_graph, inputs);
}

void backward(const tensor_list& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const tensor_list& inputs) {
  std::vector<Edge> edges;
  for (const Tensor& x : inputs) edges.push_back(input_edge(x, /*retain_non_leaf=*/true));
  backward(roots, grad_roots, retain_graph, create_graph, edges);
}

tensor_list grad(const tensor_list& outputs, const std::vector<Edge>& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  EMBER_CHECK_STATE(!inputs.empty(), "grad requires non-empty inputs.");
  GraphTask task;
  task.keep_graph = retain_graph.value_or(create_graph);
  task.create_graph = create_graph;
  prepare_roots(task, outputs, grad_outputs);
  task.filtered = true;
  task.captured.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) task.captures[inputs[i].fn.get()].emplace_back(inputs[i].input_nr, i);
  task.needed = nodes_leading_to(task.root_edges, {}, task.captures);
  execute(task);
  for (size_t i = 0; i < inputs.size(); ++i)
    EMBER_CHECK_STATE(task.captured[i].defined() || allow_unused,
                      "The differentiated Tensor at index {} appears to not have been used in the graph. Set "
                      "allow_unused=True if this is the desired behavior.",
                      i);
  return task.captured;
}

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused, bool materialize_grads) {
  EMBER_CHECK_STATE(!inputs.empty(), "grad requires non-empty inputs.");
  std::vector<Edge> edges;
  for (const Tensor& x : inputs) edges.push_back(input_edge(x, /*retain_non_leaf=*/false));
  tensor_list result =
      grad(outputs, edges, grad_outputs, retain_graph, create_graph, allow_unused || materialize_grads);
  // As PyTorch: a materialized gradient is a zero tensor, part of the graph under create_graph.
  if (materialize_grads)
    for (size_t i = 0; i < inputs.size(); ++i)
      if (!result[i].defined()) result[i] = zeros_like(inputs[i]).requires_grad_(create_graph);
  return result;
}

}  // namespace ember::autograd
