#include "stack/cib/schema.hpp"

#include <libxml/relaxng.h>

#include <cstdlib>
#include <optional>

#include "stack/core/error.hpp"

namespace halab::cib {

struct SchemaValidator::Compiled {
  xmlRelaxNGPtr schema = nullptr;
  ~Compiled() {
    if (schema) xmlRelaxNGFree(schema);
  }
};

namespace {

void collect(void* ctx, const xmlError* e) {
  auto* out = static_cast<std::vector<SchemaError>*>(ctx);
  SchemaError se;
  se.line = e->line;
  if (e->node) {
    const xmlNode* n = static_cast<const xmlNode*>(e->node);
    if (n->type == XML_ELEMENT_NODE) {
      se.element = name_of(n);
      se.id = attr_or(n, "id", "");
      if (se.line <= 0) se.line = line_of(n);
    }
  }
  se.message = e->message ? e->message : "invalid";
  while (!se.message.empty() && se.message.back() == '\n') se.message.pop_back();
  out->push_back(std::move(se));
}

void ignore_errors(void*, const xmlError*) {}

bool safe_version(const std::string& v) {
  if (v.empty()) return false;
  for (char c : v)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  return true;
}

}  // namespace

std::string SchemaError::str() const {
  std::string s = "line " + std::to_string(line) + ": ";
  if (!element.empty()) s += "<" + element + (id.empty() ? "" : " id=\"" + id + "\"") + ">: ";
  return s + message;
}

std::string SchemaValidator::default_dir() {
  if (const char* d = std::getenv("HALAB_PACEMAKER_SCHEMAS")) return d;
  return "/usr/share/pacemaker";
}

SchemaValidator::SchemaValidator(std::string dir) : dir_(std::move(dir)) {}
SchemaValidator::~SchemaValidator() = default;

SchemaValidator::Compiled& SchemaValidator::load(const std::string& version) {
  auto it = cache_.find(version);
  if (it != cache_.end()) return *it->second;
  if (!safe_version(version)) throw core::Error("validate-with=\"" + version + "\" is not a schema name");
  const std::string path = dir_ + "/" + version + ".rng";
  XmlErrorScope quiet(nullptr, nullptr);
  xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewParserCtxt(path.c_str());
  std::vector<SchemaError> errs;
  xmlRelaxNGSetParserStructuredErrors(pctx, reinterpret_cast<xmlStructuredErrorFunc>(ignore_errors), nullptr);
  auto c = std::make_unique<Compiled>();
  c->schema = xmlRelaxNGParse(pctx);
  xmlRelaxNGFreeParserCtxt(pctx);
  if (!c->schema) throw core::Error("cannot load schema " + path + " (validate-with=\"" + version + "\")");
  return *cache_.emplace(version, std::move(c)).first->second;
}

std::vector<SchemaError> SchemaValidator::validate(const Cib& cib) {
  std::string version = cib.validate_with();
  if (version.empty()) throw core::Error("<cib> has no validate-with attribute");
  if (version == "none") return {};
  Compiled& c = load(version);
  std::vector<SchemaError> errs;
  // A document built in memory has no line numbers: validate it as it will
  // be written, so errors name the file's lines.
  std::optional<Cib> copy;
  if (line_of(cib.root()) <= 0) copy = Cib::parse(cib.to_xml(), "cib");
  int rc;
  {
    // ID/IDREF checks report through libxml2's global handler: collect those
    // too, and give the caller's handler back afterwards.
    XmlErrorScope scope(&errs, reinterpret_cast<xmlStructuredErrorFunc>(collect));
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(c.schema);
    xmlRelaxNGSetValidStructuredErrors(vctx, reinterpret_cast<xmlStructuredErrorFunc>(collect), &errs);
    rc = xmlRelaxNGValidateDoc(vctx, copy ? copy->doc() : cib.doc());
    xmlRelaxNGFreeValidCtxt(vctx);
  }
  if (rc != 0 && errs.empty()) errs.push_back({0, "cib", "", "document does not conform to " + version});
  // libxml2 reports some findings without a place ("Extra element X in
  // interleave") just before the one that names the element: merge them.
  std::vector<SchemaError> merged;
  std::string pending;
  for (auto& e : errs) {
    if (e.line <= 0 && e.element.empty()) {
      pending += (pending.empty() ? "" : "; ") + e.message;
      continue;
    }
    if (!pending.empty()) e.message = pending + "; " + e.message;
    pending.clear();
    merged.push_back(std::move(e));
  }
  if (!pending.empty()) merged.push_back({0, "", "", pending});
  return merged;
}

void SchemaValidator::check(const Cib& cib) {
  auto errs = validate(cib);
  if (!errs.empty()) throw core::Error("schema " + cib.validate_with() + ": " + errs.front().str());
}

}  // namespace halab::cib
