// ember::save / ember::load: an IValue tree as one safetensors file. Each
// tensor leaf is a tensor of the file, named after its place in the tree
// ("fc.weight", "state.0.exp_avg"); the tree is JSON in the `__metadata__`:
//   null, true/false, "text", 42, 1.5       None, bools, strings, ints, floats
//   {"float": "nan" | "inf" | "-inf"}        floats JSON cannot spell
//   {"bytes": "00ff..."}                      bytes, in hex
//   {"tensor": NAME[, "requires_grad": true][, "parameter": true]}
//   {"list": [...]}, {"tuple": [...]}
//   {"dict": [[KEY, VALUE], ...]}, {"odict": [...]}   (OrderedDict)
// The reader trusts nothing: every node's JSON type and keys are checked, the
// nesting is capped, and every tensor named must exist and every tensor of
// the file must be named.
#include "data/serialize.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "autograd/error.h"
#include "data/safetensors.h"

namespace ember {

namespace {

using json = nlohmann::json;

constexpr const char* kFormat = "ember.save.v1";
// Deeper trees are refused on both sides (a Python list that contains itself ends here).
constexpr int kMaxDepth = 100;

// ---- writing ----

struct Encoder {
  const char* op;
  std::map<std::string, Tensor> tensors;
  std::unordered_map<const TensorImpl*, std::string> names;  // a tensor met again is stored once

  std::string unique_name(const std::string& base) {
    std::string name = base.empty() ? "tensor" : base;
    for (int i = 1; tensors.count(name) || name == "__metadata__"; ++i) name = base + "#" + std::to_string(i);
    return name;
  }

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  // Keys name tensors too: "0" for 0, "a" for "a".
  static std::string key_text(const IValue& key) {
    switch (key.tag()) {
      case IValue::Tag::String: return key.to_string();
      case IValue::Tag::Int: return std::to_string(key.to_int());
      case IValue::Tag::Bool: return key.to_bool() ? "True" : "False";
      default: return key.type_name();
    }
  }

  void check_key(const IValue& key, int depth) {
    EMBER_CHECK(depth <= kMaxDepth, "{}: a dict key is nested deeper than {} levels", op, kMaxDepth);
    if (key.is_tuple()) {
      for (const IValue& k : key.items()) check_key(k, depth + 1);
      return;
    }
    EMBER_CHECK_TYPE(!key.is_tensor() && !key.is_list() && !key.is_dict(),
                     "{}: a dict key is a {}; ember saves keys that are None, bool, int, float, str or tuples of those",
                     op, key.type_name());
  }

  json encode(const IValue& v, const std::string& path, int depth) {
    EMBER_CHECK(depth <= kMaxDepth, "{}: the object is nested deeper than {} levels (at '{}'; a container that contains itself?)",
                op, kMaxDepth, path);
    switch (v.tag()) {
      case IValue::Tag::None: return nullptr;
      case IValue::Tag::Bool: return v.to_bool();
      case IValue::Tag::Int: return v.to_int();
      case IValue::Tag::String: return v.to_string();
      case IValue::Tag::Bytes: {
        static const char digits[] = "0123456789abcdef";
        std::string hex;
        for (unsigned char c : v.to_bytes()) hex += {digits[c >> 4], digits[c & 15]};
        return {{"bytes", hex}};
      }
      case IValue::Tag::Double: {
        double d = v.to_double();
        if (std::isfinite(d)) return d;
        return {{"float", std::isnan(d) ? "nan" : d > 0 ? "inf" : "-inf"}};
      }
      case IValue::Tag::Tensor: {
        const Tensor& t = v.to_tensor();
        EMBER_CHECK(t.defined(), "{}: the tensor at '{}' is undefined", op, path);
        auto [it, fresh] = names.try_emplace(t.impl(), std::string());
        if (fresh) {
          it->second = unique_name(path);
          tensors.emplace(it->second, t);
        }
        json node = {{"tensor", it->second}};
        if (t.requires_grad()) node["requires_grad"] = true;
        if (v.is_parameter()) node["parameter"] = true;
        return node;
      }
      case IValue::Tag::List:
      case IValue::Tag::Tuple: {
        json items = json::array();
        for (size_t i = 0; i < v.items().size(); ++i)
          items.push_back(encode(v.items()[i], child(path, std::to_string(i)), depth + 1));
        return {{v.is_list() ? "list" : "tuple", items}};
      }
      case IValue::Tag::Dict: {
        json items = json::array();
        for (const auto& [key, value] : v.dict_items()) {
          check_key(key, depth + 1);
          items.push_back({encode(key, path, depth + 1), encode(value, child(path, key_text(key)), depth + 1)});
        }
        return {{v.ordered() ? "odict" : "dict", items}};
      }
    }
    return nullptr;  // unreachable: every tag is handled
  }

  TensorDict file(const IValue& value) {
    json structure = encode(value, "", 0);
    std::string text;
    try {
      text = structure.dump();
    } catch (const json::type_error&) {  // the one way dump fails
      throw ValueError(fmt::format("{}: a str is not valid UTF-8 (save such data as bytes)", op));
    }
    return TensorDict{tensors, {{"format", kFormat}, {"structure", text}}};
  }
};

// ---- reading ----

struct Decoder {
  const char* op;
  const std::string& file;
  std::map<std::string, Tensor>& tensors;
  std::set<std::string> used;

  // `where` is the node's place in Python's spelling: obj['state'][0].
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw ValueError(fmt::format("{}: '{}' is not a valid ember.save file: {} {}", op, file, where, what));
  }

  IValue decode(const json& node, const std::string& where, int depth) {
    if (depth > kMaxDepth) fail(where, fmt::format("is nested deeper than {} levels", kMaxDepth));
    switch (node.type()) {
      case json::value_t::null: return IValue();
      case json::value_t::boolean: return node.get<bool>();
      case json::value_t::string: return node.get<std::string>();
      case json::value_t::number_integer: return node.get<int64_t>();
      case json::value_t::number_unsigned:
        if (node.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
          fail(where, "is an integer " + node.dump() + " outside int64");
        return int64_t(node.get<uint64_t>());
      case json::value_t::number_float: return node.get<double>();
      case json::value_t::object: return decode_object(node, where, depth);
      default: fail(where, "is " + node.dump() + ", which describes no value");
    }
  }

  const json& only(const json& node, const char* tag, const std::string& where,
                   std::initializer_list<const char*> optional = {}) const {
    for (const auto& [key, value] : node.items()) {
      bool known = key == tag;
      for (const char* o : optional) known = known || key == o;
      if (!known) fail(where, fmt::format("has the unexpected key '{}' beside '{}'", key, tag));
    }
    return node[tag];
  }

  IValue decode_object(const json& node, const std::string& where, int depth) {
    if (node.contains("tensor")) {
      const json& name = only(node, "tensor", where, {"requires_grad", "parameter"});
      if (!name.is_string()) fail(where, "names its tensor with " + name.dump() + ", expected a string");
      auto it = tensors.find(name.get<std::string>());
      if (it == tensors.end()) fail(where, fmt::format("names the tensor '{}', which the file does not hold", name.get<std::string>()));
      used.insert(it->first);
      IValue v(it->second);
      for (const char* flag : {"requires_grad", "parameter"})
        if (node.contains(flag) && !node[flag].is_boolean())
          fail(where, fmt::format("has {} {}, expected true or false", flag, node[flag].dump()));
      if (node.value("requires_grad", false) && !it->second.requires_grad()) {
        if (!it->second.is_floating_point()) fail(where, "asks requires_grad of a tensor that is not floating point");
        it->second.requires_grad_(true);
      }
      v.set_parameter(node.value("parameter", false));
      return v;
    }
    if (node.contains("float")) {
      const json& text = only(node, "float", where);
      double inf = std::numeric_limits<double>::infinity();
      if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
      if (text == "inf") return inf;
      if (text == "-inf") return -inf;
      fail(where, "is the float " + text.dump() + ", expected \"nan\", \"inf\" or \"-inf\"");
    }
    if (node.contains("bytes")) {
      const json& hex = only(node, "bytes", where);
      auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
      bool ok = hex.is_string() && hex.get<std::string>().size() % 2 == 0;
      std::string octets;
      for (size_t i = 0; ok && i < hex.get<std::string>().size(); i += 2) {
        int hi = digit(hex.get<std::string>()[i]), lo = digit(hex.get<std::string>()[i + 1]);
        ok = hi >= 0 && lo >= 0;
        octets += char(hi * 16 + lo);
      }
      if (!ok) fail(where, "holds bytes that are not a string of lowercase hex digit pairs");
      return IValue::bytes(std::move(octets));
    }
    for (const char* tag : {"list", "tuple"}) {
      if (!node.contains(tag)) continue;
      const json& items = only(node, tag, where);
      if (!items.is_array()) fail(where, fmt::format("is a {} of {}, expected a JSON list", tag, items.dump()));
      std::vector<IValue> out;
      for (size_t i = 0; i < items.size(); ++i)
        out.push_back(decode(items[i], where + "[" + std::to_string(i) + "]", depth + 1));
      return tag[0] == 'l' ? IValue(std::move(out)) : IValue::tuple(std::move(out));
    }
    for (const char* tag : {"dict", "odict"}) {
      if (!node.contains(tag)) continue;
      const json& items = only(node, tag, where);
      if (!items.is_array()) fail(where, fmt::format("is a dict of {}, expected a JSON list of [key, value]", items.dump()));
      IValue::DictItems out;
      for (const json& item : items) {
        if (!item.is_array() || item.size() != 2)
          fail(where, "holds the dict item " + item.dump() + ", expected [key, value]");
        IValue key = decode(item[0], where + " key", depth + 1);
        check_key(key, where, depth + 1);
        out.emplace_back(key, decode(item[1], where + "[" + repr(key) + "]", depth + 1));
      }
      return IValue::dict(std::move(out), tag[0] == 'o');
    }
    fail(where, "is the object " + node.dump().substr(0, 200) + ", which describes no value");
  }

  void check_key(const IValue& key, const std::string& where, int depth) const {
    if (depth > kMaxDepth) fail(where, fmt::format("has a key nested deeper than {} levels", kMaxDepth));
    if (key.is_tuple()) {
      for (const IValue& k : key.items()) check_key(k, where, depth + 1);
      return;
    }
    if (key.is_tensor() || key.is_list() || key.is_dict())
      fail(where, fmt::format("has a {} as a dict key, expected None, bool, int, float, str or a tuple", key.type_name()));
  }

  static std::string repr(const IValue& key) {
    switch (key.tag()) {
      case IValue::Tag::String: return "'" + key.to_string() + "'";
      case IValue::Tag::Int: return std::to_string(key.to_int());
      case IValue::Tag::Bool: return key.to_bool() ? "True" : "False";
      case IValue::Tag::None: return "None";
      default: return "...";
    }
  }
};

IValue decode_file(const char* op, const std::string& file, TensorDict dict) {
  auto format = dict.metadata.find("format");
  if (format != dict.metadata.end() && format->second == "ember.checkpoint.v1")
    throw ValueError(
        fmt::format("{}: '{}' is an ember checkpoint, not an ember.save file: read it with load_checkpoint", op, file));
  EMBER_CHECK(format != dict.metadata.end() && format->second == kFormat,
              "{}: '{}' is a safetensors file that ember.save did not write (its __metadata__ has no \"format\": "
              "\"{}\"); read plain safetensors files with load_file",
              op, file, kFormat);
  auto text = dict.metadata.find("structure");
  EMBER_CHECK(text != dict.metadata.end(), "{}: '{}' is not a valid ember.save file: its __metadata__ has no 'structure'",
              op, file);
  EMBER_CHECK(detail::json_depth(text->second) <= 3 * kMaxDepth + 3,
              "{}: '{}' is not a valid ember.save file: its structure is nested deeper than {} levels", op, file,
              kMaxDepth);
  json structure = json::parse(text->second, nullptr, /*allow_exceptions=*/false);
  EMBER_CHECK(!structure.is_discarded(), "{}: '{}' is not a valid ember.save file: its structure is not valid JSON", op,
              file);
  Decoder decoder{op, file, dict.tensors, {}};
  IValue value = decoder.decode(structure, "obj", 0);
  for (const auto& [name, t] : dict.tensors)
    EMBER_CHECK(decoder.used.count(name), "{}: '{}' is not a valid ember.save file: it holds the tensor '{}' that its "
                "structure never uses", op, file, name);
  return value;
}

}  // namespace

// ---- IValue ----

IValue IValue::tuple(std::vector<IValue> items) {
  IValue v(std::move(items));
  v.tag_ = Tag::Tuple;
  return v;
}

IValue IValue::bytes(std::string octets) {
  IValue v(std::move(octets));
  v.tag_ = Tag::Bytes;
  return v;
}

IValue IValue::dict(DictItems items, bool ordered) {
  IValue v;
  v.tag_ = Tag::Dict;
  v.dict_ = std::move(items);
  v.ordered_ = ordered;
  return v;
}

const char* IValue::type_name() const {
  static const char* const names[] = {"None", "bool", "int", "float", "str", "Tensor", "list", "tuple", "dict", "bytes"};
  return names[int(tag_)];
}

namespace {
void expect(const IValue& v, IValue::Tag tag, const char* name) {
  EMBER_CHECK_TYPE(v.tag() == tag, "IValue: expected {}, got {}", name, v.type_name());
}
}  // namespace

bool IValue::to_bool() const { return expect(*this, Tag::Bool, "bool"), int_ != 0; }
int64_t IValue::to_int() const { return expect(*this, Tag::Int, "int"), int_; }
double IValue::to_double() const { return expect(*this, Tag::Double, "float"), double_; }
const std::string& IValue::to_string() const { return expect(*this, Tag::String, "str"), string_; }
const std::string& IValue::to_bytes() const { return expect(*this, Tag::Bytes, "bytes"), string_; }
const Tensor& IValue::to_tensor() const { return expect(*this, Tag::Tensor, "Tensor"), tensor_; }
const std::vector<IValue>& IValue::items() const {
  EMBER_CHECK_TYPE(is_list() || is_tuple(), "IValue: expected list or tuple, got {}", type_name());
  return items_;
}
const IValue::DictItems& IValue::dict_items() const { return expect(*this, Tag::Dict, "dict"), dict_; }

// ---- save / load ----

void save(const IValue& value, const std::string& path) {
  Encoder encoder{"save", {}, {}};
  TensorDict file = encoder.file(value);
  detail::write_safetensors("save", file.tensors, file.metadata, path);
}

std::string save_to_bytes(const IValue& value) {
  Encoder encoder{"save", {}, {}};
  TensorDict file = encoder.file(value);
  return detail::safetensors_bytes("save", file.tensors, file.metadata);
}

IValue load(const std::string& path) { return decode_file("load", path, detail::read_safetensors("load", path)); }

IValue load_from_bytes(std::string_view bytes, const std::string& name) {
  return decode_file("load", name, detail::read_safetensors_buffer("load", bytes, name));
}

// ---- optimizers ----

namespace detail {

namespace {

// Plain JSON (an optimizer's param_groups) as IValues: objects become dicts, arrays lists.
IValue from_json(const json& j) {
  switch (j.type()) {
    case json::value_t::boolean: return j.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return j.get<int64_t>();
    case json::value_t::number_float: return j.get<double>();
    case json::value_t::string: return j.get<std::string>();
    case json::value_t::array: {
      std::vector<IValue> items;
      for (const json& item : j) items.push_back(from_json(item));
      return IValue::list(std::move(items));
    }
    case json::value_t::object: {
      IValue::DictItems items;
      for (const auto& [key, value] : j.items()) items.emplace_back(key, from_json(value));
      return IValue::dict(std::move(items));
    }
    default: return IValue();
  }
}

json to_json(const IValue& v, const std::string& path) {
  switch (v.tag()) {
    case IValue::Tag::None: return nullptr;
    case IValue::Tag::Bool: return v.to_bool();
    case IValue::Tag::Int: return v.to_int();
    case IValue::Tag::Double: return v.to_double();
    case IValue::Tag::String: return v.to_string();
    case IValue::Tag::List:
    case IValue::Tag::Tuple: {
      json out = json::array();
      for (const IValue& item : v.items()) out.push_back(to_json(item, path));
      return out;
    }
    case IValue::Tag::Dict: {
      json out = json::object();
      for (const auto& [key, value] : v.dict_items()) {
        EMBER_CHECK_TYPE(key.is_string(), "load: '{}': an optimizer's param_groups have str keys, got a {}", path,
                         key.type_name());
        out[key.to_string()] = to_json(value, path);
      }
      return out;
    }
    default:
      EMBER_CHECK_TYPE(false, "load: '{}': an optimizer's param_groups hold numbers, not a {}", path, v.type_name());
  }
  return nullptr;
}

}  // namespace

IValue optimizer_state_to_ivalue(const TensorDict& state_dict) {
  // "state.<index>.<buffer>" (std::map order: Python's state_dict() meets them in the same order).
  std::vector<std::pair<int64_t, IValue::DictItems>> state;
  for (const auto& [name, t] : state_dict.tensors) {
    size_t dot1 = name.find('.'), dot2 = name.find('.', dot1 + 1);
    EMBER_CHECK(name.compare(0, 6, "state.") == 0 && dot2 != std::string::npos,
                "save: the optimizer's state tensor '{}' is not named state.<index>.<buffer>", name);
    int64_t index = std::stoll(name.substr(dot1 + 1, dot2 - dot1 - 1));
    if (state.empty() || state.back().first != index) state.emplace_back(index, IValue::DictItems{});
    state.back().second.emplace_back(name.substr(dot2 + 1), t);
  }
  IValue::DictItems state_items;
  for (auto& [index, buffers] : state) state_items.emplace_back(index, IValue::dict(std::move(buffers)));
  auto meta = [&](const char* key) {
    auto it = state_dict.metadata.find(key);
    EMBER_CHECK(it != state_dict.metadata.end(), "save: the optimizer's state dict has no '{}'", key);
    return it->second;
  };
  std::vector<IValue> groups;
  for (const json& g : json::parse(meta("param_groups"))) {
    IValue::DictItems items;
    for (const auto& [key, value] : g.items())
      if (key != "beta1" && key != "beta2") items.emplace_back(key, from_json(value));
    // Python's optimizers spell Adam's betas as one tuple, last (python/ember/optim).
    if (g.contains("beta1")) items.emplace_back("betas", IValue::tuple({from_json(g["beta1"]), from_json(g["beta2"])}));
    groups.push_back(IValue::dict(std::move(items)));
  }
  return IValue::dict({{"state", IValue::dict(std::move(state_items))},
                       {"param_groups", IValue::list(std::move(groups))},
                       {"optimizer", meta("optimizer")}});
}

TensorDict optimizer_state_from_ivalue(const IValue& value, const std::string& name, const std::string& path) {
  auto field = [&](const char* key) -> const IValue* {
    EMBER_CHECK_TYPE(value.is_dict(), "load: '{}' holds a {}, expected an optimizer's state dict", path,
                     value.type_name());
    for (const auto& [k, v] : value.dict_items())
      if (k.is_string() && k.to_string() == key) return &v;
    return nullptr;
  };
  const IValue* state = field("state");
  const IValue* groups = field("param_groups");
  EMBER_CHECK(state && state->is_dict() && groups && groups->is_list(),
              "load: '{}' is not an optimizer's state dict (expected a dict with 'state' and 'param_groups')", path);
  TensorDict out;
  for (const auto& [index, buffers] : state->dict_items()) {
    EMBER_CHECK_TYPE(index.is_int() && buffers.is_dict(), "load: '{}': an optimizer's state maps int indices to dicts",
                     path);
    for (const auto& [buffer, t] : buffers.dict_items()) {
      EMBER_CHECK_TYPE(buffer.is_string() && t.is_tensor(),
                       "load: '{}': the optimizer state of parameter {} maps names to tensors", path, index.to_int());
      out.tensors["state." + std::to_string(index.to_int()) + "." + buffer.to_string()] = t.to_tensor();
    }
  }
  json groups_json = json::array();
  for (const IValue& g : groups->items()) {
    json group = to_json(g, path);
    EMBER_CHECK(group.is_object(), "load: '{}': an optimizer's param_groups are dicts", path);
    if (group.contains("betas")) {
      const json& betas = group["betas"];
      EMBER_CHECK(betas.is_array() && betas.size() == 2, "load: '{}': betas must be a pair, got {}", path, betas.dump());
      group["beta1"] = betas[0];
      group["beta2"] = betas[1];
      group.erase("betas");
    }
    groups_json.push_back(group);
  }
  out.metadata["param_groups"] = groups_json.dump();
  const IValue* optimizer = field("optimizer");
  out.metadata["optimizer"] = optimizer && optimizer->is_string() ? optimizer->to_string() : name;
  return out;
}

}  // namespace detail

void save(const Tensor& tensor, const std::string& path) { save(IValue(tensor), path); }

void load(Tensor& tensor, const std::string& path) {
  IValue v = load(path);
  EMBER_CHECK_TYPE(v.is_tensor(), "load: '{}' holds a {}, expected a Tensor", path, v.type_name());
  tensor = v.to_tensor();
}

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  save(IValue(std::vector<IValue>(tensors.begin(), tensors.end())), path);
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
  IValue v = load(path);
  EMBER_CHECK_TYPE(v.is_list() || v.is_tuple(), "load: '{}' holds a {}, expected a list of tensors", path, v.type_name());
  std::vector<Tensor> out;
  for (const IValue& item : v.items()) {
    EMBER_CHECK_TYPE(item.is_tensor(), "load: '{}' holds a list with a {}, expected only tensors", path, item.type_name());
    out.push_back(item.to_tensor());
  }
  tensors = std::move(out);
}

}  // namespace ember
