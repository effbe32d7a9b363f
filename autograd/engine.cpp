// The backward engine. One pass counts, for every node reachable from the
// roots, how many edges lead into it; nodes then run when their count reaches
// zero, newest first, each exactly once, with the sum of the gradients that
// reached it. No recursion anywhere, so graph depth is bounded only by memory.
#include "autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace ember {
namespace detail {
void set_current_node(std::shared_ptr<Node> node);
}

namespace autograd {
namespace {

struct NodeTask {
  uint64_t sequence_nr;
  Node* node;
  bool operator<(const NodeTask& o) const { return sequence_nr < o.sequence_nr; }  // max-heap: newest first
};

// Brings a gradient to the shape and dtype of the tensor it belongs to.
Tensor conform(Tensor grad, const GradMeta& meta, const Node& producer) {
  if (grad.shape() != meta.shape) {
    EMBER_CHECK_STATE(grad.numel() == 0 || grad.dim() >= int64_t(meta.shape.size()),
                      "backward: {} returned a gradient of shape {} for an input of shape {}", producer.name(),
                      shape_str(grad.shape()), shape_str(meta.shape));
    grad = sum_to(grad, meta.shape);
  }
  if (grad.dtype() != meta.dtype) grad = to_dtype(grad, meta.dtype);
  return grad;
}

void check_anomaly(const Node& node, const tensor_list& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !grads[i].is_floating_point()) continue;
    NoGradGuard no_grad;
    Tensor finite = isfinite(grads[i]);
    bool all_finite = true;
    const bool* p = finite.data_ptr<bool>();
    for (int64_t k = 0; k < finite.numel(); ++k) all_finite &= p[k];
    EMBER_CHECK_STATE(all_finite, "Function '{}' returned nan values in its {}th output.", node.name(), i);
  }
}

// Collects every node reachable from `roots` with its number of incoming edges.
std::unordered_map<Node*, int> count_dependencies(const std::vector<Node*>& roots) {
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen(roots.begin(), roots.end());
  std::vector<Node*> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.fn) continue;
      Node* next = e.fn.get();
      ++deps[next];
      if (seen.insert(next).second) stack.push_back(next);
    }
  }
  return deps;
}

// Nodes that lie on a path to a capture point (autograd::grad): only they run.
std::unordered_set<Node*> nodes_leading_to(const std::vector<Node*>& roots, const std::unordered_set<Node*>& targets) {
  std::unordered_set<Node*> needed;
  // Iterative post-order: a node is needed if it is a target or any child is needed.
  std::unordered_set<Node*> visited;
  std::vector<std::pair<Node*, size_t>> stack;
  for (Node* r : roots) {
    if (!visited.insert(r).second) continue;
    stack.emplace_back(r, 0);
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->next_edges().size()) {
        Node* child = n->next_edges()[i++].fn.get();
        if (child && visited.insert(child).second) stack.emplace_back(child, 0);
        continue;
      }
      bool need = targets.count(n) > 0;
      for (const Edge& e : n->next_edges())
        if (e.fn && needed.count(e.fn.get())) need = true;
      if (need) needed.insert(n);
      stack.pop_back();
    }
  }
  return needed;
}

// Runs the graph. With `captures` empty, leaves accumulate into .grad; otherwise
// the gradients arriving at the capture edges are returned and nothing accumulates.
tensor_list execute(const tensor_list& roots, const tensor_list& grad_roots_in, bool keep_graph, bool create_graph,
                    const std::vector<Edge>& captures) {
  EMBER_CHECK(grad_roots_in.empty() || grad_roots_in.size() == roots.size(),
              "backward: got {} tensors and {} gradients", roots.size(), grad_roots_in.size());
  std::vector<Edge> root_edges;
  tensor_list root_grads;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    EMBER_CHECK(r.defined(), "backward: tensor {} is undefined", i);
    EMBER_CHECK_STATE(r.requires_grad(), "element {} of tensors does not require grad and does not have a grad_fn", i);
    Tensor g = grad_roots_in.empty() ? Tensor() : grad_roots_in[i];
    if (!g.defined()) {
      EMBER_CHECK_STATE(r.numel() == 1, "grad can be implicitly created only for scalar outputs (got shape {})",
                        shape_str(r.shape()));
      g = ones_like(r);
    } else {
      EMBER_CHECK(g.shape() == r.shape(), "backward: mismatch in shape: grad_output[{}] has a shape of {} and output[{}] has a shape of {}",
                  i, shape_str(g.shape()), i, shape_str(r.shape()));
    }
    root_edges.push_back(gradient_edge(r));
    root_grads.push_back(g);
  }

  std::vector<Node*> root_nodes;
  for (auto& e : root_edges) root_nodes.push_back(e.fn.get());
  auto deps = count_dependencies(root_nodes);

  bool capturing = !captures.empty();
  std::unordered_set<Node*> needed;
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> capture_at;  // node -> (input_nr, result slot)
  if (capturing) {
    std::unordered_set<Node*> targets;
    for (size_t i = 0; i < captures.size(); ++i) {
      if (!captures[i].fn) continue;
      targets.insert(captures[i].fn.get());
      capture_at[captures[i].fn.get()].emplace_back(captures[i].input_nr, i);
    }
    needed = nodes_leading_to(root_nodes, targets);
  }

  AutoGradMode mode(create_graph);
  std::unordered_map<Node*, tensor_list> buffers;
  auto add_to_buffer = [&](Node* n, uint32_t nr, Tensor g) {
    auto& buf = buffers[n];
    if (buf.size() < n->grad_meta().size()) buf.resize(n->grad_meta().size());
    buf[nr] = buf[nr].defined() ? add(buf[nr], g) : std::move(g);
  };
  for (size_t i = 0; i < root_edges.size(); ++i) add_to_buffer(root_nodes[i], root_edges[i].input_nr, root_grads[i]);

  std::priority_queue<NodeTask> ready;
  std::unordered_set<Node*> queued;
  for (Node* n : root_nodes)
    if (deps[n] == 0 && queued.insert(n).second) ready.push({n->sequence_nr(), n});

  tensor_list results(captures.size());
  while (!ready.empty()) {
    Node* node = ready.top().node;
    ready.pop();
    std::shared_ptr<Node> keep_alive = node->shared_from_this();
    tensor_list grads = std::move(buffers[node]);
    buffers.erase(node);
    grads.resize(node->grad_meta().size());

    bool any_defined = false;
    for (uint32_t nr = 0; nr < grads.size(); ++nr) {
      if (!grads[nr].defined()) continue;
      grads[nr] = node->run_hooks(nr, grads[nr]);
      any_defined = true;
    }
    if (capturing) {
      auto it = capture_at.find(node);
      if (it != capture_at.end())
        for (auto [nr, slot] : it->second) results[slot] = grads[nr];
    }

    bool run = any_defined && (!capturing || (needed.count(node) && !dynamic_cast<AccumulateGrad*>(node)));
    tensor_list outputs;
    if (run) {
      detail::set_current_node(keep_alive);
      try {
        outputs = node->apply(std::move(grads));
      } catch (...) {
        detail::set_current_node(nullptr);
        throw;
      }
      detail::set_current_node(nullptr);
      if (AnomalyMode::is_enabled()) check_anomaly(*node, outputs);
      if (!keep_graph) node->release_saved();
    }

    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      Node* next = edges[i].fn.get();
      if (!next) continue;
      if (run && i < outputs.size() && outputs[i].defined())
        add_to_buffer(next, edges[i].input_nr, conform(std::move(outputs[i]), next->grad_meta()[edges[i].input_nr], *node));
      if (--deps[next] == 0 && queued.insert(next).second) ready.push({next->sequence_nr(), next});
    }
  }
  return results;
}

}  // namespace

void backward(const tensor_list& roots, const tensor_list& grad_roots, std::optional<bool> retain_graph,
              bool create_graph) {
  execute(roots, grad_roots, retain_graph.value_or(create_graph), create_graph, {});
}

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  EMBER_CHECK(!inputs.empty(), "grad: expected at least one input, got none");
  std::vector<Edge> captures;
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK_STATE(inputs[i].defined() && inputs[i].requires_grad(),
                      "grad: input {} does not require grad (One of the differentiated Tensors does not require grad)",
                      i);
    captures.push_back(gradient_edge(inputs[i]));
  }
  tensor_list results = execute(outputs, grad_outputs, retain_graph.value_or(create_graph), create_graph, captures);
  for (size_t i = 0; i < results.size(); ++i)
    EMBER_CHECK_STATE(results[i].defined() || allow_unused,
                      "grad: input {} was not used in the graph (One of the differentiated Tensors appears to not have "
                      "been used in the graph. Set allow_unused=True if this is the desired behavior.)",
                      i);
  return results;
}

}  // namespace autograd
}  // namespace ember
