#include "stack/controller/request.hpp"

#include <libxml/tree.h>

#include "stack/cib/patchset.hpp"
#include "stack/core/error.hpp"

namespace halab::controller {

namespace {

const char* kConfigSections[] = {"crm_config", "nodes",          "resources", "constraints", "rsc_defaults",
                                 "op_defaults", "fencing-topology", "tags",      "alerts",      "acls"};

bool is_config_section(std::string_view name) {
  for (const char* s : kConfigSections)
    if (name == s) return true;
  return false;
}

[[noreturn]] void fail(const Request& r, const std::string& what) {
  throw core::Error(std::string("cib ") + to_string(r.op) + (r.section.empty() ? "" : " -o " + r.section) + ": " +
                    what);
}

std::string describe(const xmlNode* n) {
  std::string s = "<" + std::string(cib::name_of(n));
  if (auto id = cib::attr(n, "id")) s += " id=\"" + *id + "\"";
  return s + ">";
}

// The element a section name stands for; null when the CIB has none yet.
xmlNode* find_section(const cib::Cib& cib, std::string_view name) {
  if (name.empty() || name == "cib") return cib.root();
  if (name == "configuration") return cib.configuration();
  if (name == "status") return cib.status();
  if (is_config_section(name)) return cib.section(name);
  return nullptr;
}

xmlNode* ensure_section(cib::Cib& cib, const Request& r, std::string_view name) {
  if (xmlNode* n = find_section(cib, name)) return n;
  if (name == "status") return cib::add_child(cib.root(), "status");
  if (is_config_section(name)) return cib.ensure_section(name);
  fail(r, "unknown section \"" + std::string(name) + "\" (expected configuration, status or a configuration section)");
}

cib::XmlDocPtr parse_body(const Request& r) {
  if (r.xml.empty()) fail(r, "no XML given");
  try {
    return cib::parse_xml(r.xml, "request");
  } catch (const core::Error& e) {
    fail(r, e.what());
  }
}

void merge_into(xmlNode* target, const xmlNode* from, xmlDoc* doc) {
  for (const auto& [k, v] : cib::attrs(from)) cib::set_attr(target, k, v);
  for (xmlNode* c : cib::children(from)) {
    xmlNode* match = nullptr;
    auto id = cib::attr(c, "id");
    for (xmlNode* t : cib::children(target, cib::name_of(c))) {
      if (id ? cib::attr(t, "id") == id : true) {
        match = t;
        break;
      }
    }
    if (match) {
      merge_into(match, c, doc);
    } else {
      xmlAddChild(target, cib::copy_node(c, doc));
    }
  }
}

}  // namespace

const char* to_string(RequestOp op) {
  switch (op) {
    case RequestOp::replace_section: return "replace";
    case RequestOp::create: return "create";
    case RequestOp::modify: return "modify";
    case RequestOp::remove: return "delete";
    case RequestOp::apply_patch: return "patch";
  }
  return "unknown";
}

Request patch_request(const cib::Cib& from, const cib::Cib& to) {
  return Request{RequestOp::apply_patch, "", cib::diff_xml(from, to)};
}

void apply_request(cib::Cib& cib, const Request& r) {
  const cib::Version version = cib.version();
  switch (r.op) {
    case RequestOp::replace_section: {
      if (r.section.empty() || r.section == "cib") fail(r, "a section is required");
      auto body = parse_body(r);
      xmlNode* top = xmlDocGetRootElement(body.get());
      if (cib::name_of(top) != r.section)
        fail(r, "the XML's root is " + describe(top) + ", not <" + r.section + ">");
      xmlNode* old = ensure_section(cib, r, r.section);
      xmlNode* fresh = cib::copy_node(top, cib.doc());
      xmlReplaceNode(old, fresh);
      xmlFreeNode(old);
      break;
    }
    case RequestOp::create: {
      if (r.section.empty()) fail(r, "a section is required");
      auto body = parse_body(r);
      xmlNode* top = xmlDocGetRootElement(body.get());
      xmlNode* parent = ensure_section(cib, r, r.section);
      if (auto id = cib::attr(top, "id")) {
        if (xmlNode* clash = cib::find_by_id(cib.root(), *id))
          fail(r, "an element with id \"" + *id + "\" already exists (" + describe(clash) + ", line " +
                      std::to_string(cib::line_of(clash)) + ")");
      }
      xmlAddChild(parent, cib::copy_node(top, cib.doc()));
      break;
    }
    case RequestOp::modify: {
      auto body = parse_body(r);
      xmlNode* top = xmlDocGetRootElement(body.get());
      xmlNode* scope = find_section(cib, r.section);
      if (!scope) fail(r, "the CIB has no section \"" + r.section + "\"");
      xmlNode* target = nullptr;
      if (auto id = cib::attr(top, "id")) {
        target = cib::find_by_id(scope, *id);
        if (target && cib::name_of(target) != cib::name_of(top))
          fail(r, "id \"" + *id + "\" is a " + describe(target) + ", not a <" + std::string(cib::name_of(top)) + ">");
      } else if (cib::name_of(top) == cib::name_of(scope)) {
        target = scope;
      } else {
        target = find_section(cib, cib::name_of(top));
      }
      if (!target) fail(r, "no " + describe(top) + " in the CIB to modify");
      if (target == cib.root()) {
        for (const auto& [k, v] : cib::attrs(top))
          if (k == "admin_epoch" || k == "epoch" || k == "num_updates")
            fail(r, "the version attribute " + k + " cannot be modified (the DC numbers versions)");
      }
      merge_into(target, top, cib.doc());
      break;
    }
    case RequestOp::remove: {
      auto body = parse_body(r);
      xmlNode* top = xmlDocGetRootElement(body.get());
      auto id = cib::attr(top, "id");
      if (!id) fail(r, describe(top) + " has no id: say which element to delete");
      xmlNode* scope = find_section(cib, r.section);
      if (!scope) fail(r, "the CIB has no section \"" + r.section + "\"");
      xmlNode* target = cib::find_by_id(scope, *id);
      if (!target || cib::name_of(target) != cib::name_of(top))
        fail(r, "no " + describe(top) + " in the CIB to delete");
      cib::remove_node(target);
      break;
    }
    case RequestOp::apply_patch: {
      if (r.xml.empty()) fail(r, "no patchset given");
      cib::XmlDocPtr patch;
      try {
        patch = cib::parse_patch(r.xml, "request");
        cib::apply(cib, patch.get(), true);
      } catch (const core::Error& e) {
        fail(r, e.what());
      }
      break;
    }
    default:
      fail(r, "unknown request type " + std::to_string(int(r.op)));
  }
  cib.set_version(version);
  if (!cib.configuration()) fail(r, "the result has no <configuration>");
}

bool bump_version(const cib::Cib& before, cib::Cib& after) {
  const bool config_changed = !cib::same_tree(before.configuration(), after.configuration()) ||
                              before.validate_with() != after.validate_with();
  if (config_changed) {
    after.set_version(before.version());
    after.bump_epoch();
    return true;
  }
  // Anything else: compare the whole document (version attributes aside).
  cib::Cib a = before, b = after;
  b.set_version(a.version());
  if (cib::same_tree(a.root(), b.root())) return false;
  after.set_version(before.version());
  after.bump_num_updates();
  return true;
}

}  // namespace halab::controller
