#include "stack/cib/patchset.hpp"

#include <cstring>
#include <optional>
#include <set>

#include "stack/core/error.hpp"

namespace halab::cib {
namespace {

// Element and comment children: the nodes a patchset position counts.
std::vector<xmlNode*> kids(const xmlNode* n) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) out.push_back(c);
  return out;
}

int position(const xmlNode* n) {
  int i = 0;
  for (const xmlNode* c = n->parent ? n->parent->children : nullptr; c && c != n; c = c->next)
    if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) ++i;
  return i;
}

std::string segment(const xmlNode* n) {
  std::string s(name_of(n));
  if (auto id = attr(n, "id")) s += "[@id='" + *id + "']";
  return s;
}

std::string path_of(const xmlNode* n) {
  std::string p;
  for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) p = "/" + segment(n) + p;
  return p;
}

// Whether old child `a` and new child `b` are the same node for the diff:
// same element name and id; id-less elements and comments match on content.
bool same_identity(const xmlNode* a, const xmlNode* b) {
  if (a->type != b->type) return false;
  if (a->type == XML_COMMENT_NODE) return std::strcmp((const char*)a->content, (const char*)b->content) == 0;
  if (name_of(a) != name_of(b)) return false;
  auto ia = attr(a, "id"), ib = attr(b, "id");
  if (ia || ib) return ia == ib;
  return true;
}

xmlNode* insert_at(xmlNode* parent, xmlNode* node, int pos) {
  auto k = kids(parent);
  if (pos >= 0 && pos < int(k.size())) return xmlAddPrevSibling(k[pos], node);
  return xmlAddChild(parent, node);
}

void move_to(xmlNode* node, int pos) {
  xmlNode* parent = node->parent;
  xmlUnlinkNode(node);
  insert_at(parent, node, pos);
}

void add_version(xmlNode* diff, const Version& from, const Version& to) {
  xmlNode* v = add_child(diff, "version");
  for (auto [tag, ver] : {std::pair{"source", from}, std::pair{"target", to}}) {
    xmlNode* e = add_child(v, tag);
    set_attr(e, "admin_epoch", std::to_string(ver.admin_epoch));
    set_attr(e, "epoch", std::to_string(ver.epoch));
    set_attr(e, "num_updates", std::to_string(ver.num_updates));
  }
}

xmlNode* shallow_copy(const xmlNode* n, xmlDoc* doc) { return xmlDocCopyNode(const_cast<xmlNode*>(n), doc, 2); }

struct Differ {
  xmlNode* out;  // <diff>

  void deletes(const xmlNode* oldp, const xmlNode* newp) {
    auto nk = kids(newp);
    std::vector<bool> used(nk.size(), false);
    for (xmlNode* oc : kids(oldp)) {
      std::optional<std::size_t> hit;
      for (std::size_t i = 0; i < nk.size(); ++i)
        if (!used[i] && same_identity(oc, nk[i])) {
          hit = i;
          break;
        }
      if (!hit) {
        xmlNode* ch = add_child(out, "change");
        set_attr(ch, "operation", "delete");
        set_attr(ch, "path", oc->type == XML_COMMENT_NODE ? path_of(oldp) + "/comment()" : path_of(oc));
        if (oc->type == XML_COMMENT_NODE || !has_attr(oc, "id")) set_attr(ch, "position", std::to_string(position(oc)));
      } else {
        used[*hit] = true;
        if (oc->type == XML_ELEMENT_NODE) deletes(oc, nk[*hit]);
      }
    }
  }

  // `work` is a copy of the old tree with deletes applied; it is brought to
  // `target` while the changes are emitted, so positions are exact for a
  // sequential apply.
  void updates(xmlNode* work, const xmlNode* target) {
    if (work->type != XML_ELEMENT_NODE) return;
    auto wa = attrs(work), ta = attrs(target);
    xmlNode* list = nullptr;
    auto change_list = [&]() {
      if (!list) list = xmlNewDocNode(out->doc, nullptr, (const xmlChar*)"change-list", nullptr);
      return list;
    };
    for (const auto& [k, v] : ta) {
      auto old = attr(work, k);
      if (!old || *old != v) {
        xmlNode* ca = add_child(change_list(), "change-attr");
        set_attr(ca, "name", k);
        set_attr(ca, "operation", "set");
        set_attr(ca, "value", v);
      }
    }
    for (const auto& [k, v] : wa)
      if (!has_attr(target, k)) {
        xmlNode* ca = add_child(change_list(), "change-attr");
        set_attr(ca, "name", k);
        set_attr(ca, "operation", "unset");
      }
    if (list) {
      xmlNode* ch = add_child(out, "change");
      set_attr(ch, "operation", "modify");
      set_attr(ch, "path", path_of(work));
      xmlAddChild(ch, list);
      xmlNode* res = add_child(ch, "change-result");
      xmlAddChild(res, shallow_copy(target, out->doc));
      // Mirror into work.
      for (const auto& [k, v] : wa)
        if (!has_attr(target, k)) unset_attr(work, k);
      for (const auto& [k, v] : ta) set_attr(work, k, v);
    }
    auto tk = kids(target);
    for (std::size_t i = 0; i < tk.size(); ++i) {
      auto wk = kids(work);
      xmlNode* match = nullptr;
      for (std::size_t j = i; j < wk.size(); ++j)
        if (same_identity(wk[j], tk[i])) {
          match = wk[j];
          break;
        }
      if (!match) {
        xmlNode* ch = add_child(out, "change");
        set_attr(ch, "operation", "create");
        set_attr(ch, "path", path_of(work));
        set_attr(ch, "position", std::to_string(i));
        xmlAddChild(ch, copy_node(tk[i], out->doc));
        insert_at(work, copy_node(tk[i], work->doc), int(i));
        continue;
      }
      if (position(match) != int(i)) {
        xmlNode* ch = add_child(out, "change");
        set_attr(ch, "operation", "move");
        set_attr(ch, "path", path_of(match));
        set_attr(ch, "position", std::to_string(i));
        move_to(match, int(i));
      }
      updates(match, tk[i]);
    }
  }
};

// Resolves "/cib/configuration/resources/primitive[@id='x']" in `doc`.
xmlNode* resolve(xmlDoc* doc, const std::string& path) {
  xmlNode* cur = nullptr;
  std::size_t i = 0;
  if (path.empty() || path[0] != '/') return nullptr;
  while (i < path.size()) {
    ++i;  // skip '/'
    std::size_t end = i;
    bool in_quote = false;
    while (end < path.size() && (in_quote || path[end] != '/')) {
      if (path[end] == '\'') in_quote = !in_quote;
      ++end;
    }
    std::string seg = path.substr(i, end - i);
    std::string name = seg, id;
    bool want_id = false;
    if (auto b = seg.find("[@id='"); b != std::string::npos) {
      name = seg.substr(0, b);
      auto q = seg.find('\'', b + 6);
      if (q == std::string::npos) return nullptr;
      id = seg.substr(b + 6, q - (b + 6));
      want_id = true;
    }
    xmlNode* next = nullptr;
    if (!cur) {
      xmlNode* r = xmlDocGetRootElement(doc);
      if (r && name_of(r) == name && (!want_id || attr(r, "id") == id)) next = r;
    } else {
      for (xmlNode* c : children(cur))
        if (name_of(c) == name && (!want_id || attr(c, "id") == id)) {
          next = c;
          break;
        }
    }
    if (!next) return nullptr;
    cur = next;
    i = end;
  }
  return cur;
}

Version read_version(const xmlNode* v, const char* which) {
  Version out;
  if (!v) return out;
  xmlNode* e = first_child(v, which);
  if (!e) throw core::Error(std::string("patchset: <version> has no <") + which + ">");
  auto num = [&](const char* a) {
    try {
      return std::stol(attr_or(e, a, "0"));
    } catch (...) {
      throw core::Error(std::string("patchset: <") + which + "> " + a + " is not a number");
    }
  };
  out.admin_epoch = num("admin_epoch");
  out.epoch = num("epoch");
  out.num_updates = num("num_updates");
  return out;
}

std::string change_where(const xmlNode* ch) {
  return "patchset line " + std::to_string(line_of(ch)) + ": " + attr_or(ch, "operation", "?") + " " +
         attr_or(ch, "path", "?");
}

}  // namespace

XmlDocPtr diff(const Cib& from, const Cib& to) {
  auto out = new_doc("diff");
  xmlNode* d = xmlDocGetRootElement(out.get());
  set_attr(d, "format", "2");
  add_version(d, from.version(), to.version());
  Differ df{d};
  df.deletes(from.root(), to.root());
  // A working copy with the deletes applied.
  Cib work = from;
  apply(work, out.get(), false);
  df.updates(work.root(), to.root());
  return out;
}

std::string diff_xml(const Cib& from, const Cib& to) { return serialize(diff(from, to).get(), true); }

bool patch_is_empty(const xmlDoc* patch) {
  return children(xmlDocGetRootElement(const_cast<xmlDoc*>(patch)), "change").empty();
}

XmlDocPtr parse_patch(std::string_view text, std::string_view source) {
  auto doc = parse_xml(text, source);
  xmlNode* r = xmlDocGetRootElement(doc.get());
  if (!is(r, "diff") || attr_or(r, "format", "") != "2")
    throw core::Error(std::string(source) + ":" + std::to_string(line_of(r)) +
                      ": not a v2 patchset (expected <diff format=\"2\">)");
  return doc;
}

void apply(Cib& cib, const xmlDoc* patch, bool check_version) {
  xmlNode* d = xmlDocGetRootElement(const_cast<xmlDoc*>(patch));
  if (!is(d, "diff") || attr_or(d, "format", "") != "2")
    throw core::Error("patchset: not a v2 patchset (expected <diff format=\"2\">)");
  xmlNode* ver = first_child(d, "version");
  if (check_version) {
    if (!ver) throw core::Error("patchset: no <version> block");
    const Version src = read_version(ver, "source");
    if (src != cib.version())
      throw core::Error("patchset applies to version " + src.str() + " but the CIB is at " + cib.version().str() +
                        "; refused");
  }
  Cib work = cib;
  auto changes = children(d, "change");
  // Pacemaker applies every delete first, then the rest in order. Deletes
  // name their targets (and id-less siblings' positions) in the original
  // document, so every target is found before any is removed: removing one
  // sibling first would shift the positions of the others.
  std::vector<xmlNode*> doomed;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      std::set<xmlNode*> all(doomed.begin(), doomed.end());
      std::set<xmlNode*> removed;
      for (xmlNode* n : doomed) {
        if (!removed.insert(n).second) continue;  // named twice
        bool inside_another = false;
        for (xmlNode* a = n->parent; a && !inside_another; a = a->parent) inside_another = all.count(a) > 0;
        if (!inside_another) remove_node(n);
      }
      // Descendants went with their ancestors (removed above).
    }
    for (xmlNode* ch : changes) {
      const std::string op = attr_or(ch, "operation", "");
      if ((op == "delete") != (pass == 0)) continue;
      const std::string path = attr_or(ch, "path", "");
      std::string lookup = path;
      if (lookup.ends_with("/comment()")) lookup.resize(lookup.size() - 10);
      xmlNode* target = resolve(work.doc(), lookup);
      if (!target) throw core::Error(change_where(ch) + ": no such element");
      if (op == "delete") {
        auto pos = attr(ch, "position");
        const bool comment = path.size() > 10 && path.ends_with("/comment()");
        if (comment || (pos && !has_attr(target, "id"))) {
          // Comments and id-less elements are named by their position among their siblings.
          xmlNode* parent = comment ? target : target->parent;
          auto k = kids(parent);
          int p = pos ? std::stoi(*pos) : -1;
          if (p < 0 || p >= int(k.size()) || (comment && k[p]->type != XML_COMMENT_NODE) ||
              (!comment && (k[p]->type != XML_ELEMENT_NODE || name_of(k[p]) != name_of(target))))
            throw core::Error(change_where(ch) + ": nothing to delete at position " + (pos ? *pos : "?"));
          doomed.push_back(k[p]);
          continue;
        }
        doomed.push_back(target);
      } else if (op == "create") {
        xmlNode* payload = nullptr;
        for (xmlNode* c = ch->children; c; c = c->next)
          if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) {
            payload = c;
            break;
          }
        if (!payload) throw core::Error(change_where(ch) + ": create without content");
        int pos = std::stoi(attr_or(ch, "position", "-1"));
        insert_at(target, copy_node(payload, work.doc()), pos);
      } else if (op == "modify") {
        xmlNode* res = first_child(ch, "change-result");
        auto rk = res ? children(res) : std::vector<xmlNode*>{};
        if (rk.empty()) throw core::Error(change_where(ch) + ": modify without <change-result>");
        for (const auto& [k, v] : attrs(target))
          if (!has_attr(rk[0], k)) unset_attr(target, k);
        for (const auto& [k, v] : attrs(rk[0])) set_attr(target, k, v);
      } else if (op == "move") {
        move_to(target, std::stoi(attr_or(ch, "position", "0")));
      } else {
        throw core::Error(change_where(ch) + ": unknown operation");
      }
    }
  }
  if (check_version && ver) work.set_version(read_version(ver, "target"));
  cib = std::move(work);
}

}  // namespace halab::cib
