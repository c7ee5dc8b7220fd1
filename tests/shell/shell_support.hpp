#pragma once
// A ShellHost in memory for tests: the CIB, files and output are strings.
#include <fstream>
#include <map>
#include <sstream>

#include "stack/shell/lexer.hpp"
#include "stack/shell/session.hpp"
#include "tests/support/memory_storage.hpp"

namespace halab::test {

inline std::string shared_dir() {
  if (const char* d = std::getenv("HALAB_SHARED_DIR")) return d;
  return std::string(HALAB_SOURCE_DIR) + "/../shared";
}
inline std::string read_text_file(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
inline std::string data_file(const std::string& name) {
  return read_text_file(std::string(HALAB_SOURCE_DIR) + "/tests/shell/data/" + name);
}

// The <configuration> element, as the CIB file shows it (indented 2).
inline std::string configuration_text(const cib::Cib& c) {
  std::string x = c.to_xml();
  auto b = x.find("  <configuration>");
  auto e = x.find("</configuration>\n");
  return x.substr(b, e + 17 - b);
}
inline std::string configuration_text(const std::string& cib_xml) {
  auto b = cib_xml.find("  <configuration>");
  auto e = cib_xml.find("</configuration>\n");
  return cib_xml.substr(b, e + 17 - b);
}

class FakeAgents : public shell::AgentCatalog {
 public:
  std::map<std::string, std::string> md;  // "ocf:heartbeat:Dummy" -> meta-data
  std::vector<std::string> classes() override { return {"lsb", "ocf", "service", "stonith"}; }
  std::vector<std::string> providers(const std::string&) override { return {"heartbeat", "pacemaker"}; }
  std::vector<std::string> agents(const std::string&, const std::string&) override { return {"Dummy", "IPaddr"}; }
  std::optional<std::string> meta_data(const std::string& c, const std::string& p, const std::string& t) override {
    auto it = md.find(c + ":" + (p.empty() ? "" : p + ":") + t);
    if (it == md.end()) return std::nullopt;
    return it->second;
  }
};

inline const char* kDummyMeta = R"(<?xml version="1.0"?>
<resource-agent name="Dummy" version="1.0">
<shortdesc lang="en">Example stateless resource agent</shortdesc>
<longdesc lang="en">A dummy agent.</longdesc>
<parameters>
<parameter name="state" unique="1"><shortdesc lang="en">State file</shortdesc><content type="string" default="/var/run/Dummy.state"/></parameter>
<parameter name="fake"><shortdesc lang="en">Fake attribute</shortdesc><content type="string" default="dummy"/></parameter>
</parameters>
<actions><action name="start" timeout="20s"/><action name="monitor" timeout="20s" interval="10s" depth="0"/></actions>
</resource-agent>)";
inline const char* kIPaddrMeta = R"(<resource-agent name="IPaddr"><shortdesc>IP</shortdesc>
<parameters><parameter name="ip" required="1"><shortdesc>address</shortdesc><content type="string"/></parameter></parameters>
<actions/></resource-agent>)";

class MemoryHost : public shell::ShellHost {
 public:
  std::string cib_xml = cib::Cib::empty().to_xml();
  std::map<std::string, std::string> files;
  std::string out_text, err_text;
  int writes = 0;
  FakeAgents fake;
  bool use_agents = true;
  MemoryStorage shadows;

  MemoryHost() {
    fake.md["ocf:heartbeat:Dummy"] = kDummyMeta;
    fake.md["ocf:pacemaker:Dummy"] = kDummyMeta;
    fake.md["ocf:heartbeat:IPaddr"] = kIPaddrMeta;
  }
  void out(std::string_view t) override { out_text += t; }
  void err(std::string_view t) override { err_text += t; }
  cib::Cib read_cib() override { return cib::Cib::parse(cib_xml, "CIB_file"); }
  void write_cib(const cib::Cib& c) override {
    cib_xml = c.to_xml();
    ++writes;
  }
  std::optional<std::string> read_file(const std::string& p) override {
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  bool write_file(const std::string& p, const std::string& d) override {
    files[p] = d;
    return true;
  }
  std::function<std::optional<std::string>(const std::string&)> editor;
  std::optional<std::string> edit(const std::string& t) override { return editor ? editor(t) : std::nullopt; }
  shell::AgentCatalog* agents() override { return use_agents ? &fake : nullptr; }
  core::Storage* shadow_storage() override { return &shadows; }
};

// Runs `script` like crmsh2xml.sh's lines mode: one `configure <line>`
// session (one commit) per logical line. Returns how many lines failed.
inline int run_lines(MemoryHost& host, const std::string& script, bool force) {
  cib::SchemaValidator schema;
  int failed = 0;
  for (auto& ll : shell::logical_lines(script)) {
    if (ll.text.empty() || ll.text[0] == '#') continue;
    shell::Session s(host, schema, {force, false});
    bool ok = s.execute("configure " + ll.text, ll.line);
    ok = s.finish() && ok;
    if (!ok) ++failed;
  }
  return failed;
}

// crmsh2xml.sh's load mode: one `configure load update FILE`.
inline bool run_load(MemoryHost& host, const std::string& script, bool force) {
  cib::SchemaValidator schema;
  host.files["in.crm"] = script;
  shell::Session s(host, schema, {force, false});
  bool ok = s.execute("configure load update in.crm");
  return s.finish() && ok;
}

}  // namespace halab::test
