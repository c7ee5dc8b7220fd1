// The seed's web service: group webservice (webstore, webip, websrv),
// location webip_node webip inf: node2, colocation, order, stickiness 100.
// It starts on node2, moves to node1 when node2 goes standby, and moves back
// when node2 comes online again (the INFINITY location outweighs the group's
// stickiness). Each step is also checked against crm_simulate when present.
#include <gtest/gtest.h>
#include <libxml/tree.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "stack/scheduler/inject.hpp"
#include "test_support.hpp"

#ifndef HALAB_SHARED_DIR
#define HALAB_SHARED_DIR HALAB_SOURCE_DIR "/../shared"
#endif

namespace halab::scheduler::testing {

namespace {

const char* kMembers[] = {"webstore", "webip", "websrv"};

std::string seed_path() {
  const char* env = std::getenv("HALAB_SHARED_DIR");
  return std::string(env ? env : HALAB_SHARED_DIR) + "/crmsh-oracle/seed-example.xml";
}

void set_standby(XmlDocument& doc, const std::string& uname, bool on) {
  xmlNode* nodes = nullptr;
  for (xmlNode* c = xmlDocGetRootElement(doc.raw())->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "configuration"))
      for (xmlNode* d = c->children; d; d = d->next)
        if (d->type == XML_ELEMENT_NODE && xmlStrEqual(d->name, BAD_CAST "nodes")) nodes = d;
  ASSERT_NE(nodes, nullptr);
  for (xmlNode* n = nodes->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    xmlChar* name = xmlGetProp(n, BAD_CAST "uname");
    const bool match = name && uname == reinterpret_cast<char*>(name);
    xmlFree(name);
    if (!match) continue;
    xmlNode* ia = xmlNewChild(n, nullptr, BAD_CAST "instance_attributes", nullptr);
    xmlSetProp(ia, BAD_CAST "id", BAD_CAST(uname + "-standby-set").c_str());
    xmlNode* nv = xmlNewChild(ia, nullptr, BAD_CAST "nvpair", nullptr);
    xmlSetProp(nv, BAD_CAST "id", BAD_CAST(uname + "-standby").c_str());
    xmlSetProp(nv, BAD_CAST "name", BAD_CAST "standby");
    xmlSetProp(nv, BAD_CAST "value", BAD_CAST(on ? "on" : "off"));
    // Remove earlier standby sets so the newest value is the only one.
    for (xmlNode* other = n->children; other;) {
      xmlNode* next = other->next;
      if (other != ia && other->type == XML_ELEMENT_NODE) {
        xmlUnlinkNode(other);
        xmlFreeNode(other);
      }
      other = next;
    }
  }
}

// Summary lines about the web service only, folded.
std::vector<std::string> web_lines(const std::vector<std::string>& all) {
  std::vector<std::string> out;
  for (auto& l : all)
    for (const char* m : kMembers)
      if (l.find(std::string(" ") + m + " ") != std::string::npos) out.push_back(l);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ours(const XmlDocument& doc) {
  auto cluster = schedule(doc.root(), {});
  std::vector<std::string> lines;
  for (auto& l : transition_summary(*cluster)) {
    std::string f;
    bool sp = false;
    for (char ch : l) {
      if (ch == ' ') { sp = true; continue; }
      if (sp && !f.empty()) f += ' ';
      sp = false;
      f += ch;
    }
    lines.push_back(f);
  }
  return web_lines(lines);
}

std::optional<std::vector<std::string>> theirs(const XmlDocument& doc) {
  if (std::system("crm_simulate --version >/dev/null 2>&1") != 0) return std::nullopt;
  char path[] = "/tmp/halab-seed-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return std::nullopt;
  close(fd);
  { std::ofstream(path) << doc.serialize(); }
  FILE* p = popen(("crm_simulate --output-as=text -R -x " + std::string(path) + " 2>/dev/null").c_str(), "r");
  std::vector<std::string> lines;
  char buf[4096];
  bool inside = false;
  while (p && std::fgets(buf, sizeof buf, p)) {
    std::string l(buf);
    while (!l.empty() && l.back() == '\n') l.pop_back();
    if (l == "Transition Summary:") { inside = true; continue; }
    if (inside && l.empty()) break;
    if (!inside) continue;
    std::string f;
    bool sp = false;
    for (char ch : l) {
      if (ch == ' ') { sp = true; continue; }
      if (sp && !f.empty()) f += ' ';
      sp = false;
      f += ch;
    }
    lines.push_back(f);
  }
  if (p) pclose(p);
  std::remove(path);
  return web_lines(lines);
}

void record_running(XmlDocument& doc, const std::string& node, bool stop) {
  for (const char* m : kMembers) inject_op(doc, std::string(m) + (stop ? "_stop_0@" : "_start_0@") + node + "=0");
}

}  // namespace

TEST(SeedWebService, MovesOnStandbyAndBack) {
  XmlDocument doc;
  try {
    doc = XmlDocument::parse_file(seed_path());
  } catch (const std::exception& e) {
    GTEST_SKIP() << "seed example not available: " << e.what();
  }
  inject_node(doc, "node1", NodeChange::Up);
  inject_node(doc, "node2", NodeChange::Up);
  inject_quorum(doc, true);

  // 1. Fresh cluster: everything starts on node2 (webip must run there).
  std::vector<std::string> start = {"* Start webip ( node2 )", "* Start websrv ( node2 )", "* Start webstore ( node2 )"};
  EXPECT_EQ(ours(doc), start);
  if (auto t = theirs(doc)) {
    EXPECT_EQ(*t, start);
  }
  record_running(doc, "node2", false);
  EXPECT_TRUE(ours(doc).empty()) << "nothing to do once started";

  // 2. node2 goes standby: the group moves to node1 (webip's location is
  //    only a preference it cannot satisfy).
  set_standby(doc, "node2", true);
  std::vector<std::string> away = {"* Move webip ( node2 -> node1 )", "* Move websrv ( node2 -> node1 )",
                                   "* Move webstore ( node2 -> node1 )"};
  EXPECT_EQ(ours(doc), away);
  if (auto t = theirs(doc)) {
    EXPECT_EQ(*t, away);
  }
  record_running(doc, "node2", true);
  record_running(doc, "node1", false);
  EXPECT_TRUE(ours(doc).empty()) << "settled on node1 while node2 is standby";

  // 3. node2 comes back: INFINITY for webip on node2 beats the stickiness
  //    of 3 x 100, so the whole group moves back.
  set_standby(doc, "node2", false);
  std::vector<std::string> back = {"* Move webip ( node1 -> node2 )", "* Move websrv ( node1 -> node2 )",
                                   "* Move webstore ( node1 -> node2 )"};
  EXPECT_EQ(ours(doc), back);
  if (auto t = theirs(doc)) {
    EXPECT_EQ(*t, back);
  }
}

}  // namespace halab::scheduler::testing
