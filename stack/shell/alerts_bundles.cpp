// alert and bundle: parsing into the CIB (as crmsh 4.4.1 writes them) and
// their text form for `show`.
#include <set>

#include "stack/shell/build.hpp"
#include "stack/shell/lexer.hpp"

namespace halab::shell::detail {

using namespace cib;

namespace {

void new_id(Words& w, Build& b, const std::string& id, const std::string& kind) {
  if (id.empty()) w.fail("identifier");
  if (!valid_object_id(id)) throw ShellError(id + ": invalid object id");
  if (b.ids.used(id))
    throw ShellError("Cannot create " + kind + " with ID '" + id + "': Found existing object with same ID.");
  b.ids.claim(id);
}

// `attributes ...` / `meta ...` sections of an alert or one of its recipients.
bool alert_sets(Words& w, Build& b, xmlNode* parent, const std::string& prefix) {
  if (w.accept("attributes")) parse_nvset(w, b, parent, "instance_attributes", prefix, "instance_attributes");
  else if (w.accept("meta")) parse_nvset(w, b, parent, "meta_attributes", prefix, "meta_attributes");
  else return false;
  return true;
}

const std::set<std::string> kSelectors = {"nodes", "fencing", "resources", "attributes"};
const std::set<std::string> kEngines = {"docker", "rkt", "podman"};
const std::set<std::string> kMappings = {"port-mapping", "storage-mapping"};

}  // namespace

// alert ID PATH [description=..] [attributes ..] [meta ..]
//       [select nodes|fencing|resources|attributes { NAME .. } ..]
//       [to [{] VALUE [description=..] [attributes ..] [meta ..] [}] ..]
void parse_alert(Words& w, Build& b) {
  const std::string id = w.next();
  new_id(w, b, id, "alert");
  const std::string path = w.next();
  if (path.empty()) w.fail("path");
  xmlNode* alert = b.element(b.section("alerts"), "alert");
  set_attr(alert, "id", id);
  set_attr(alert, "path", path);
  if (w.peek().starts_with("description=")) set_attr(alert, "description", w.next().substr(12));
  int recipients = 0;
  while (!w.done()) {
    if (alert_sets(w, b, alert, id)) continue;
    if (w.accept("select")) {
      xmlNode* select = nullptr;  // every `select` word opens its own <select>
      while (kSelectors.count(w.peek())) {
        const std::string kind = w.next();
        if (kind == "attributes" && !w.accept("{")) {
          --w.i;  // alert-level `attributes`
          break;
        }
        if (!select) select = b.element(alert, "select");
        xmlNode* sel = b.element(select, "select_" + kind);
        if (kind != "attributes") continue;
        while (w.peek() != "}") {
          const std::string name = w.next();
          if (name.empty()) w.fail("}");
          xmlNode* a = b.element(sel, "attribute");
          set_attr(a, "name", name);
          set_attr(a, "id", b.ids.make(id, ""));
        }
        w.next();
      }
      continue;
    }
    if (!w.accept("to")) w.fail("(attributes|meta|select|to)");
    const bool brace = w.accept("{");
    const std::string value = w.next();
    if (value.empty() || value == "}") w.fail("recipient");
    xmlNode* r = b.element(alert, "recipient");
    const std::string rid = id + "-recipient-" + std::to_string(++recipients);
    set_attr(r, "id", rid);
    b.ids.claim(rid);
    set_attr(r, "value", value);
    if (w.peek().starts_with("description=")) set_attr(r, "description", w.next().substr(12));
    while (alert_sets(w, b, r, rid)) {
    }
    if (brace && !w.accept("}")) w.fail("}");
  }
}

// bundle ID [description=..] (docker|rkt|podman) k=v .. [network k=v .. [port-mapping k=v ..] ..]
//        [storage storage-mapping k=v .. ..] [meta ..] [primitive RSC]
// podman and rkt are schema-valid; crmsh 4.4.1 refuses podman and fails on rkt (see docs/crm.md).
void parse_bundle(Words& w, Build& b) {
  const std::string id = w.next();
  if (id.empty()) w.fail("identifier");
  if (!valid_object_id(id)) throw ShellError(id + ": invalid object id");
  if (xmlNode* old = find_by_id(b.cib.configuration(), id))
    throw ShellError("Cannot create bundle with ID '" + id + "': Found existing " + std::string(name_of(old)) +
                     " with same ID.");
  xmlNode* bundle = b.element(b.section("resources"), "bundle");
  set_attr(bundle, "id", id);
  b.ids.claim(id);
  if (w.peek().starts_with("description=")) set_attr(bundle, "description", w.next().substr(12));
  std::vector<xmlNode*> need_id;  // mappings without an id: get one at the end, in document order
  bool engine = false;
  xmlNode* primitive = nullptr;  // crmsh places it last, wherever it was named
  while (!w.done()) {
    const std::string t = w.peek();
    if (kEngines.count(t) || t == "network" || t == "storage") {
      w.next();
      if (kEngines.count(t)) {
        for (const char* e : {"docker", "rkt", "podman"})
          if (t != e && first_child(bundle, e)) throw ShellError(id + ": a bundle has one container engine");
        engine = true;
      }
      xmlNode* el = first_child(bundle, t);
      if (!el) el = b.element(bundle, t);
      xmlNode* mapping = nullptr;
      while (!w.done() && (split_kv(w.peek()) || kMappings.count(w.peek()))) {
        const std::string tok = w.next();
        if (kMappings.count(tok)) {
          if (t != (tok == "port-mapping" ? "network" : "storage")) {
            --w.i;
            w.fail(t == "storage" ? "storage-mapping" : "name=value");
          }
          if (mapping && !has_attr(mapping, "id")) need_id.push_back(mapping);
          mapping = b.element(el, tok);
          continue;
        }
        auto kv = split_kv(tok);
        xmlNode* target = mapping ? mapping : el;
        if (kv->first == "id" && mapping) {
          if (b.ids.used(kv->second)) throw ShellError("id " + kv->second + " is already in use");
          b.ids.claim(kv->second);
        }
        set_attr(target, kv->first, kv->second);
      }
      if (mapping && !has_attr(mapping, "id")) need_id.push_back(mapping);
    } else if (w.accept("meta")) {
      parse_nvset(w, b, bundle, "meta_attributes", id, "meta_attributes");
    } else if (w.accept("primitive")) {
      const std::string rsc = w.next();
      if (rsc.empty() || split_kv(rsc)) w.fail("primitive reference");
      if (primitive) throw ShellError(id + ": a bundle holds one primitive");
      xmlNode* p = find_resource(b.cib, rsc);
      if (!p) throw ShellError(id + " refers to missing object " + rsc);
      if (!is(p, "primitive")) throw ShellError(id + ": " + rsc + " is not a primitive");
      if (p->parent && !is(p->parent, "resources"))
        throw ShellError(rsc + " is already in " + std::string(name_of(p->parent)) + " " + attr_or(p->parent, "id", ""));
      primitive = p;
    } else {
      w.fail("(docker|rkt|podman|network|storage|meta|primitive)");
    }
  }
  if (!engine) throw ShellError(id + ": a bundle needs a container (docker, podman or rkt)");
  for (xmlNode* m : need_id) set_attr(m, "id", b.ids.make(id, ""));
  if (primitive) {
    xmlUnlinkNode(primitive);
    xmlAddChild(bundle, primitive);
  }
}

std::string bundle_text(const xmlNode* bundle, const std::function<std::string(const xmlNode*)>& set_text) {
  std::vector<std::string> parts{"bundle " + attr_or(bundle, "id", "")};
  if (auto d = attr(bundle, "description")) parts[0] += " description=" + quote_value(*d);
  auto pairs = [](const xmlNode* el) {
    std::string s;
    for (auto& [k, v] : attrs(el)) s += " " + k + "=" + quote_value(v);
    return s;
  };
  for (xmlNode* c : children(bundle)) {
    const std::string nm(name_of(c));
    if (kEngines.count(nm) || nm == "network" || nm == "storage") {
      std::string s = nm + pairs(c);
      for (xmlNode* m : children(c)) s += " " + std::string(name_of(m)) + pairs(m);
      parts.push_back(s);
    } else if (nm == "meta_attributes") {
      const std::string body = set_text(c);
      parts.push_back("meta" + (body.empty() ? "" : " " + body));
    } else if (nm == "primitive") {
      parts.push_back("primitive " + attr_or(c, "id", ""));
    }
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " \\\n\t" : "") + parts[i];
  return out;
}

// The text form, or "" when it has none (a select after a recipient would
// read back in another order; crmsh shows the XML then).
std::string alert_text(const xmlNode* alert, const std::function<std::string(const xmlNode*)>& set_text) {
  std::vector<std::string> parts{"alert " + attr_or(alert, "id", "") + " " + quote_value(attr_or(alert, "path", ""))};
  if (auto d = attr(alert, "description")) parts.push_back("description=" + quote_value(*d));
  auto set_word = [](const xmlNode* s) { return is(s, "meta_attributes") ? std::string("meta") : std::string("attributes"); };
  bool seen_recipient = false;
  for (xmlNode* c : children(alert)) {
    if (is(c, "instance_attributes") || is(c, "meta_attributes")) {
      if (seen_recipient) return "";
      const std::string body = set_text(c);
      parts.push_back(set_word(c) + (body.empty() ? "" : " " + body));
    } else if (is(c, "select")) {
      if (seen_recipient) return "";
      std::string s = "select";
      for (xmlNode* sel : children(c)) {
        const std::string kind = std::string(name_of(sel)).substr(7);
        s += " " + kind;
        if (kind == "attributes") {
          s += " {";
          for (xmlNode* a : children(sel, "attribute")) s += " " + attr_or(a, "name", "");
          s += " }";
        }
      }
      parts.push_back(s);
    } else if (is(c, "recipient")) {
      seen_recipient = true;
      std::string s = "to " + quote_value(attr_or(c, "value", ""));
      if (auto d = attr(c, "description")) s += " description=" + quote_value(*d);
      for (xmlNode* set : children(c)) {
        if (!(is(set, "instance_attributes") || is(set, "meta_attributes"))) continue;
        const std::string body = set_text(set);
        s += " " + set_word(set) + (body.empty() ? "" : " " + body);
      }
      parts.push_back(s);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " \\\n\t" : "") + parts[i];
  return out;
}

}  // namespace halab::shell::detail
