#include "stack/cib/cib.hpp"

#include <openssl/evp.h>

#include <array>
#include <charconv>

#include "stack/core/error.hpp"

namespace halab::cib {
namespace {

// Configuration sections in the order pacemaker's schema and tools write them.
constexpr std::array<std::string_view, 10> kSectionOrder = {
    "crm_config", "nodes", "resources", "constraints", "tags", "fencing-topology",
    "rsc_defaults", "op_defaults", "acls", "alerts"};

long version_field(const xmlNode* root, std::string_view name) {
  auto v = attr(root, name);
  if (!v || v->empty()) return 0;
  long out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || out < 0)
    throw core::Error("line " + std::to_string(line_of(root)) + ": <cib> attribute " + std::string(name) + "=\"" +
                      *v + "\" is not a non-negative integer");
  return out;
}

}  // namespace

std::string Version::str() const {
  return std::to_string(admin_epoch) + "." + std::to_string(epoch) + "." + std::to_string(num_updates);
}

Cib Cib::empty(std::string_view validate_with) {
  auto doc = new_doc("cib");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  set_attr(root, "crm_feature_set", "3.16.1");
  set_attr(root, "validate-with", validate_with);
  set_attr(root, "epoch", "1");
  set_attr(root, "num_updates", "0");
  set_attr(root, "admin_epoch", "0");
  xmlNode* conf = add_child(root, "configuration");
  for (auto s : {"crm_config", "nodes", "resources", "constraints"}) add_child(conf, s);
  add_child(root, "status");
  return Cib(std::move(doc));
}

Cib Cib::parse(std::string_view text, std::string_view source) {
  auto doc = parse_xml(text, source);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  const std::string where = std::string(source) + ":" + std::to_string(line_of(root));
  if (!is(root, "cib"))
    throw core::Error(where + ": root element is <" + std::string(name_of(root)) + ">, expected <cib>");
  xmlNode* conf = first_child(root, "configuration");
  if (!conf) throw core::Error(where + ": <cib> has no <configuration>");
  for (auto s : {"crm_config", "nodes", "resources", "constraints"})
    if (!first_child(conf, s))
      throw core::Error(std::string(source) + ":" + std::to_string(line_of(conf)) + ": <configuration> has no <" + s +
                        ">");
  Cib cib(std::move(doc));
  try {
    (void)cib.version();
  } catch (const core::Error& e) {
    throw core::Error(std::string(source) + ": " + e.what());
  }
  return cib;
}

xmlNode* Cib::configuration() const { return first_child(root(), "configuration"); }
xmlNode* Cib::section(std::string_view name) const { return first_child(configuration(), name); }
xmlNode* Cib::status() const { return first_child(root(), "status"); }

xmlNode* Cib::ensure_section(std::string_view name) {
  if (xmlNode* s = section(name)) return s;
  xmlNode* conf = configuration();
  std::string b(name);
  xmlNode* fresh = xmlNewDocNode(doc(), nullptr, reinterpret_cast<const xmlChar*>(b.c_str()), nullptr);
  // Insert before the first existing section that comes later in pacemaker's order.
  std::size_t rank = 0;
  while (rank < kSectionOrder.size() && kSectionOrder[rank] != name) ++rank;
  for (xmlNode* c : children(conf)) {
    std::size_t r = 0;
    while (r < kSectionOrder.size() && kSectionOrder[r] != name_of(c)) ++r;
    if (r > rank) return xmlAddPrevSibling(c, fresh);
  }
  return xmlAddChild(conf, fresh);
}

Version Cib::version() const {
  const xmlNode* r = root();
  return Version{version_field(r, "admin_epoch"), version_field(r, "epoch"), version_field(r, "num_updates")};
}

void Cib::set_version(const Version& v) {
  set_attr(root(), "epoch", std::to_string(v.epoch));
  set_attr(root(), "num_updates", std::to_string(v.num_updates));
  set_attr(root(), "admin_epoch", std::to_string(v.admin_epoch));
}

void Cib::bump_epoch() {
  Version v = version();
  ++v.epoch;
  v.num_updates = 0;
  set_version(v);
}

void Cib::bump_num_updates() {
  Version v = version();
  ++v.num_updates;
  set_version(v);
}

std::string Cib::validate_with() const { return attr_or(root(), "validate-with", ""); }

std::string Cib::digest() const { return md5_hex(serialize(doc(), false)); }

std::string md5_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace halab::cib
