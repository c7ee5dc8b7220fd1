// The transition graph as DOT (renders with Graphviz's dot), as SVG through
// the gvc library, as graph XML; and `halab simulate` writing all three.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "stack/scheduler/graph_render.hpp"
#include "test_support.hpp"

namespace halab::scheduler::testing {

namespace {

GenCib busy_cluster() {
  auto c = cluster_of(3);
  c.rscs = {rsc("a", 0), rsc("b"), rsc("c"), rsc("d", 1)};
  c.rscs[0].monitor = true;
  c.rscs[0].failed_monitor = true;
  c.groups = {{1, 2}};
  c.ords = {{0, 1, true}};
  c.node_state[1] = 2;  // node2 standby: d moves
  return c;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/halab-graph-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST(GraphOutput, DotFollowsPacemakerConventionsAndRenders) {
  Scheduled run(busy_cluster().xml());
  const std::string dot = graph_dot(*run.cluster);
  EXPECT_NE(dot.find("digraph \"g\""), std::string::npos);
  EXPECT_NE(dot.find("\"grp0_start_0\" [ style=bold color=\"green\" fontcolor=\"orange\"]"), std::string::npos);
  EXPECT_NE(dot.find("\"a_stop_0 node1\" [ style=bold color=\"green\" fontcolor=\"black\"]"), std::string::npos);
  EXPECT_NE(dot.find("\"a_stop_0 node1\" -> \"a_start_0 node1\" [ style = bold]"), std::string::npos);
  if (std::system("dot -V >/dev/null 2>&1") != 0) GTEST_SKIP() << "graphviz's dot is not installed";
  const std::string dir = temp_dir();
  { std::ofstream(dir + "/g.dot") << dot; }
  EXPECT_EQ(std::system(("dot -Tsvg " + dir + "/g.dot -o " + dir + "/g.svg").c_str()), 0);
  EXPECT_NE(slurp(dir + "/g.svg").find("<svg"), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

TEST(GraphOutput, SvgThroughGvcIsValidXml) {
  Scheduled run(busy_cluster().xml());
  const std::string svg = render_dot(graph_dot(*run.cluster), "svg");
  auto doc = XmlDocument::parse_string(svg, "graph.svg");  // throws if not well-formed
  EXPECT_EQ(doc.root().name(), "svg");
  EXPECT_NE(svg.find("a_stop_0 node1"), std::string::npos);
  EXPECT_THROW(render_dot("digraph { broken", "svg"), std::exception);
}

TEST(GraphOutput, GraphXmlHasOneSynapsePerExecutedAction) {
  Scheduled run(busy_cluster().xml());
  auto doc = XmlDocument::parse_string(graph_xml(*run.cluster), "graph.xml");
  EXPECT_EQ(doc.root().name(), "transition_graph");
  EXPECT_EQ(doc.root().children("synapse").size(), run.executed().size());
  bool saw_pseudo = false, saw_rsc = false;
  for (auto& syn : doc.root().children("synapse")) {
    auto ev = syn.first_child("action_set").children().front();
    saw_pseudo |= ev.name() == "pseudo_event";
    saw_rsc |= ev.name() == "rsc_op";
  }
  EXPECT_TRUE(saw_pseudo);
  EXPECT_TRUE(saw_rsc);
}

TEST(SimulateCli, WritesDotSvgAndGraphAndPrintsCrmSimulateSections) {
  const std::string dir = temp_dir();
  { std::ofstream(dir + "/cib.xml") << busy_cluster().xml(); }
  const std::string cmd = std::string(HALAB_BIN) + " simulate -x " + dir + "/cib.xml -S -D " + dir + "/g.dot --svg " +
                          dir + "/g.svg -G " + dir + "/g.xml > " + dir + "/out.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string out = slurp(dir + "/out.txt");
  for (const char* section : {"Current cluster status:\n  * Node List:\n", "\nTransition Summary:\n",
                              "\nExecuting Cluster Transition:\n", "\nRevised Cluster Status:\n"})
    EXPECT_NE(out.find(section), std::string::npos) << section;
  EXPECT_NE(out.find("  * Recover    a       (          node1 )\n"), std::string::npos) << out;
  // Spacing as crm_simulate prints it, byte for byte.
  if (std::system("crm_simulate --version >/dev/null 2>&1") == 0) {
    ASSERT_EQ(std::system(("crm_simulate --output-as=text -R -x " + dir + "/cib.xml > " + dir + "/peer.txt 2>/dev/null").c_str()), 0);
    auto summary = [](const std::string& text) {
      auto from = text.find("Transition Summary:");
      auto to = text.find("\n\n", from);
      std::string part = text.substr(from, to == std::string::npos ? std::string::npos : to - from);
      while (!part.empty() && part.back() == '\n') part.pop_back();
      return part;
    };
    EXPECT_EQ(summary(out), summary(slurp(dir + "/peer.txt")));
  }
  EXPECT_NE(slurp(dir + "/g.dot").find("digraph"), std::string::npos);
  EXPECT_NE(slurp(dir + "/g.svg").find("<svg"), std::string::npos);
  EXPECT_NE(slurp(dir + "/g.xml").find("<transition_graph"), std::string::npos);
  // Bad input is an error naming the file, not a crash.
  { std::ofstream(dir + "/bad.xml") << "<cib><configuration>"; }
  EXPECT_NE(std::system((std::string(HALAB_BIN) + " simulate -x " + dir + "/bad.xml -R 2>/dev/null").c_str()), 0);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace halab::scheduler::testing

// See stack/cli/cmd_simulate.cpp: Graphviz's own leak is not ours.
extern "C" const char* __lsan_default_suppressions() { return "leak:libgvc.so\nleak:libfontconfig.so\nleak:libgvplugin\nleak:libpango\nleak:libcairo\n"; }
