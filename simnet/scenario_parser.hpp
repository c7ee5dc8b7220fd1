#pragma once
// The scenario parser's private parts, shared by scenario.cpp (lines, values,
// the cluster) and scenario_faults.cpp (faults, failure processes, expectations).
#include <string>
#include <vector>

#include "simnet/scenario.hpp"

namespace halab::simnet::detail {

struct Statement {
  int line = 0;
  std::vector<std::string> words;
  std::vector<Statement> body;
  bool block = false;
};

class Parser {
 public:
  Parser(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}
  Scenario parse();

 private:
  [[noreturn]] void fail(int line, const std::string& what) const { throw ScenarioError(file_, line, what); }
  std::vector<Statement> read_statements();
  std::vector<std::string> split(const std::string& line, int lineno) const;

  void top(const Statement& s);
  void network(const Statement& s);
  void node(const Statement& s, bool many);
  void link(const Statement& s);
  void service(const Statement& s);
  void agent(const Statement& s);
  void fault(const Statement& s);
  void failures(const Statement& s);
  void expect(const Statement& s);
  void audit(const Statement& s);
  void cts(const Statement& s);
  void resolve();

  core::Duration duration(const std::string& w, int line) const;
  double probability(const std::string& w, int line) const;
  double number(const std::string& w, int line) const;
  Dist dist(const std::vector<std::string>& w, std::size_t& i, int line) const;
  void link_attrs(const std::vector<std::string>& w, std::size_t i, int line, LinkPatch& patch) const;
  std::vector<std::string> node_list(const std::vector<std::string>& w, std::size_t& i, int line,
                                     std::initializer_list<const char*> stop) const;
  void window(const std::vector<std::string>& w, std::size_t& i, int line, Scenario::Expect& e) const;
  const std::string& word(const std::vector<std::string>& w, std::size_t i, int line, const char* what) const {
    if (i >= w.size()) fail(line, std::string("missing ") + what);
    return w[i];
  }

  std::string_view text_;
  std::string file_;
  Scenario sc_;
  std::vector<std::pair<int, std::string>> node_refs_;  // (line, name) to check once all nodes are known
};

}  // namespace halab::simnet::detail
