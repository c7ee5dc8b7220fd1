#include "stack/cli/sim_configure.hpp"

#include <cstdlib>
#include <functional>

#include "stack/cib/cib.hpp"
#include "stack/cib/schema.hpp"
#include "stack/cib/xml.hpp"
#include "stack/shell/session.hpp"
#include "stack/core/storage.hpp"

namespace halab::cli {

namespace {

// The shell's world for one `configure load update`: the CIB and the block's
// text in memory; no agents' meta-data (the agents are modelled), no shadows.
class BlockHost final : public shell::ShellHost {
 public:
  BlockHost(std::string text) : text_(std::move(text)) {}
  std::string cib_xml = cib::Cib::empty().to_xml();
  std::string errors;
  void out(std::string_view) override {}
  void err(std::string_view t) override { errors += t; }
  cib::Cib read_cib() override { return cib::Cib::parse(cib_xml, "configure"); }
  void write_cib(const cib::Cib& c) override { cib_xml = c.to_xml(); }
  std::optional<std::string> read_file(const std::string& p) override {
    if (p == "configure-block") return text_;
    return std::nullopt;
  }
  bool write_file(const std::string&, const std::string&) override { return false; }
  std::optional<std::string> edit(const std::string&) override { return std::nullopt; }
  shell::AgentCatalog* agents() override { return nullptr; }
  core::Storage* shadow_storage() override { return nullptr; }

 private:
  std::string text_;
};

int meta_int(xmlNode* rsc, const char* name, int dflt) {
  for (xmlNode* ma : cib::children(rsc, "meta_attributes"))
    for (xmlNode* nv : cib::children(ma, "nvpair"))
      if (cib::attr_or(nv, "name", "") == name) {
        const std::string v = cib::attr_or(nv, "value", "");
        char* end = nullptr;
        const long n = std::strtol(v.c_str(), &end, 10);
        if (!v.empty() && *end == '\0' && n >= 0) return static_cast<int>(n);
      }
  return dflt;
}
bool meta_true(xmlNode* rsc, const char* name) {
  for (xmlNode* ma : cib::children(rsc, "meta_attributes"))
    for (xmlNode* nv : cib::children(ma, "nvpair"))
      if (cib::attr_or(nv, "name", "") == name) {
        const std::string v = cib::attr_or(nv, "value", "");
        return v == "true" || v == "yes" || v == "1" || v == "on";
      }
  return false;
}

void primitives_of(xmlNode* n, std::vector<std::string>& out) {
  if (cib::is(n, "primitive")) out.push_back(cib::attr_or(n, "id", ""));
  for (xmlNode* c : cib::children(n)) primitives_of(c, out);
}

}  // namespace

simnet::ResourceLimits resource_limits(const std::string& cib_xml, int nodes) {
  simnet::ResourceLimits out;
  const cib::Cib cib = cib::Cib::parse(cib_xml, "configure");
  xmlNode* resources = cib.section("resources");
  if (!resources) return out;
  for (xmlNode* r : cib::children(resources)) {
    std::vector<std::string> prims;
    primitives_of(r, prims);
    simnet::ResourceLimit lim;
    if (cib::is(r, "clone") || cib::is(r, "master")) {
      lim.max = meta_int(r, "clone-max", nodes);
      const bool promotable = cib::is(r, "master") || meta_true(r, "promotable");
      lim.promoted_max = promotable ? meta_int(r, "promoted-max", meta_int(r, "master-max", 1)) : 0;
    } else {
      lim.promoted_max = 1;
    }
    for (auto& p : prims) out[p] = lim;
  }
  return out;
}

simnet::MandatoryConstraints mandatory_constraints(const std::string& cib_xml) {
  using MC = simnet::MandatoryConstraint;
  simnet::MandatoryConstraints out;
  const cib::Cib cib = cib::Cib::parse(cib_xml, "configure");
  std::map<std::string, std::vector<std::string>> prims;  // any resource id -> its primitives
  std::function<void(xmlNode*)> index = [&](xmlNode* n) {
    if (cib::is(n, "primitive") || cib::is(n, "group") || cib::is(n, "clone") || cib::is(n, "master")) {
      std::vector<std::string> p;
      primitives_of(n, p);
      prims[cib::attr_or(n, "id", "")] = p;
    }
    if (cib::is(n, "group")) {
      std::vector<std::string> members;
      for (xmlNode* m : cib::children(n, "primitive")) members.push_back(cib::attr_or(m, "id", ""));
      for (std::size_t i = 1; i < members.size(); ++i) {
        const std::string id = "group " + cib::attr_or(n, "id", "");
        out.push_back({MC::Kind::colocation, id, {members[i]}, {members[i - 1]}, false, true});
        out.push_back({MC::Kind::order, id, {members[i]}, {members[i - 1]}, false, true});
      }
    }
    for (xmlNode* c : cib::children(n)) index(c);
  };
  if (xmlNode* resources = cib.section("resources")) index(resources);
  xmlNode* constraints = cib.section("constraints");
  if (!constraints) return out;
  auto of = [&](const std::string& id) { return prims.count(id) ? prims[id] : std::vector<std::string>{}; };
  auto infinite = [](const std::string& s) { return s == "INFINITY" || s == "+INFINITY" || s == "inf" || s == "+inf"; };
  for (xmlNode* c : cib::children(constraints)) {
    if (cib::first_child(c, "resource_set")) continue;
    const std::string id = cib::attr_or(c, "id", "");
    if (cib::is(c, "rsc_colocation") && infinite(cib::attr_or(c, "score", ""))) {
      const std::string role = cib::attr_or(c, "rsc-role", "Started");
      if (role != "Started") continue;  // a dependent's role other than any: not checked
      const std::string with_role = cib::attr_or(c, "with-rsc-role", "Started");
      const bool promoted = with_role == "Promoted" || with_role == "Master";
      if (!promoted && with_role != "Started") continue;
      auto dep = of(cib::attr_or(c, "rsc", "")), req = of(cib::attr_or(c, "with-rsc", ""));
      if (!dep.empty() && !req.empty()) out.push_back({MC::Kind::colocation, id, dep, req, promoted, true});
    } else if (cib::is(c, "rsc_order")) {
      const std::string kind = cib::attr_or(c, "kind", "");
      const std::string score = cib::attr_or(c, "score", "");
      const bool mandatory = kind.empty() ? (score.empty() || std::atoi(score.c_str()) > 0 || infinite(score))
                                          : kind == "Mandatory";
      if (!mandatory) continue;
      if (cib::attr_or(c, "first-action", "start") != "start" || cib::attr_or(c, "then-action", "start") != "start")
        continue;
      const std::string sym = cib::attr_or(c, "symmetrical", "true");
      auto first = of(cib::attr_or(c, "first", "")), then = of(cib::attr_or(c, "then", ""));
      if (!first.empty() && !then.empty())
        out.push_back({MC::Kind::order, id, then, first, false, !(sym == "false" || sym == "no" || sym == "0")});
    }
  }
  return out;
}

CompiledConfigure compile_configure(const simnet::Scenario& sc) {
  CompiledConfigure out;
  const auto& block = sc.configure;
  // Blank lines in front: the shell's line numbers are the scenario file's.
  BlockHost host(block.aligned_text());
  cib::SchemaValidator schema;
  bool ok;
  {
    shell::Session s(host, schema, {false, false});
    ok = s.execute("configure load update configure-block");
    ok = s.finish() && ok;
  }
  if (!ok) {
    // The first error; "ERROR: 12: what" names a line of the file.
    std::string first;
    for (std::size_t pos = 0; pos < host.errors.size();) {
      auto nl = host.errors.find('\n', pos);
      std::string l = host.errors.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? host.errors.size() : nl + 1;
      if (l.rfind("ERROR: ", 0) == 0) {
        first = l.substr(7);
        break;
      }
    }
    if (first.empty()) first = host.errors.empty() ? "the configuration was not accepted" : host.errors;
    int line = block.line;
    std::size_t digits = 0;
    while (digits < first.size() && std::isdigit(static_cast<unsigned char>(first[digits]))) ++digits;
    if (digits > 0 && first.compare(digits, 2, ": ") == 0) {
      line = std::atoi(first.substr(0, digits).c_str());
      first = first.substr(digits + 2);
    }
    throw simnet::ScenarioError(sc.file, line, "configure: " + first);
  }
  out.cib_xml = host.cib_xml;
  out.limits = resource_limits(out.cib_xml, static_cast<int>(sc.nodes.size()));
  out.constraints = mandatory_constraints(out.cib_xml);
  return out;
}

}  // namespace halab::cli
