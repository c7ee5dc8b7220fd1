// Differential property: RapidCheck writes crm configure scripts; halab and
// the real crmsh 4.4.1 (offline, through ../shared/crmsh-oracle/crmsh2xml.sh
// in load mode: one `crm -F configure load update FILE`) must write the same
// <configuration>. Real crmsh takes ~0.6 s a case, so ctest runs 30 cases
// (RC_PARAMS overrides).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "tests/shell/shell_support.hpp"

using namespace halab;
using namespace halab::test;

namespace {

[[maybe_unused]] const int kDefaultParams = [] {
  setenv("RC_PARAMS", "max_success=30 max_shrinks=0", 0);  // shrinking re-runs the slow oracle
  return 0;
}();

std::string pick(std::initializer_list<const char*> xs) {
  std::vector<std::string> v(xs.begin(), xs.end());
  return *rc::gen::elementOf(v);
}

std::string value() { return pick({"1", "0", "yes", "a b", "/var/run/x.state", "x:y", "v-1.2", "10s", "node1"}); }

std::string nvlist(std::initializer_list<const char*> names, int max) {
  std::string s;
  const int n = *rc::gen::inRange(1, max + 1);
  for (int i = 0; i < n; ++i) {
    std::string name = pick(names);
    std::string v = value();
    s += " " + name + "=" + (v.find(' ') != std::string::npos ? "\"" + v + "\"" : v);
  }
  return s;
}

std::string rule_text(bool set_score);

std::string primitive_line(const std::string& id) {
  std::string s = "primitive " + id + " " + pick({"Dummy", "ocf:pacemaker:Dummy", "ocf:heartbeat:Dummy", "ocf:pacemaker:Stateful"});
  if (*rc::gen::inRange(0, 3) == 0) s += " description=\"" + pick({"web", "a b"}) + "\"";
  const int sections = *rc::gen::inRange(0, 5);
  for (int i = 0; i < sections; ++i) {
    switch (*rc::gen::inRange(0, 4)) {
      case 0: s += " params" + nvlist({"fake", "state", "op_sleep"}, 3); break;
      case 1:
        s += " meta";
        if (*rc::gen::inRange(0, 3) == 0) s += " " + rule_text(true);
        s += nvlist({"target-role", "is-managed", "resource-stickiness", "migration-threshold"}, 2);
        break;
      case 2: s += " utilization" + nvlist({"cpu", "memory"}, 2); break;
      default: {
        std::string op = pick({"monitor", "start", "stop"});
        s += " op " + op;
        const int attrs = *rc::gen::inRange(0, 4);
        for (int a = 0; a < attrs; ++a) {
          switch (*rc::gen::inRange(0, 4)) {
            case 0: s += " interval=" + pick({"10s", "20s", "1min", "0", "0s"}); break;
            case 1: s += " timeout=" + pick({"20s", "60", "2min"}); break;
            case 2: s += " role=" + pick({"Promoted", "Unpromoted", "Started"}); break;
            default: s += " on-fail=" + pick({"restart", "ignore", "block"}); break;
          }
        }
        if (*rc::gen::inRange(0, 4) == 0) s += " op_params depth=0";
        if (*rc::gen::inRange(0, 5) == 0) s += " op_meta record-pending=true";
      }
    }
  }
  return s;
}

std::string item(const std::vector<std::string>& rscs, const char* const* suffixes, int n) {
  std::string s = *rc::gen::elementOf(rscs);
  if (*rc::gen::inRange(0, 3) == 0) s += std::string(":") + suffixes[*rc::gen::inRange(0, n)];
  return s;
}

std::string items(const std::vector<std::string>& rscs, bool sets, const char* const* suffixes, int n) {
  if (!sets) return item(rscs, suffixes, n) + " " + item(rscs, suffixes, n);
  std::string s;
  const int groups = *rc::gen::inRange(1, 4);
  for (int g = 0; g < groups; ++g) {
    const int kind = *rc::gen::inRange(0, 3);  // plain, ( ), [ ]
    const int k = *rc::gen::inRange(1, 3);
    std::string body;
    for (int i = 0; i < k; ++i) body += (body.empty() ? "" : " ") + item(rscs, suffixes, n);
    if (kind == 1) body = "( " + body + " )";
    if (kind == 2) body = "[ " + body + " ]";
    s += (s.empty() ? "" : " ") + body;
  }
  return s;
}

// 1-2 distinct date_spec / duration fields.
std::string date_fields() {
  static const std::vector<std::string> f = {"hours=9-16", "weekdays=1-5", "monthdays=1-10", "months=1-6",
                                             "years=2021", "weeks=1-20", "yearsdays=100", "moon=3"};
  const int a = *rc::gen::inRange(0, int(f.size()));
  std::string s = f[a];
  if (*rc::gen::arbitrary<bool>()) s += " " + f[(a + *rc::gen::inRange(1, int(f.size()))) % f.size()];
  return s;
}

std::string expression() {
  switch (*rc::gen::inRange(0, 8)) {
    case 0: return pick({"defined", "not_defined"}) + " " + pick({"pingd", "site"});
    case 1: return "date " + pick({"gt", "lt"}) + " " + pick({"2020-01-01", "2030-12-31"});
    case 2: return "date in start=2020-01-01 end=2021-01-01";
    case 3: return "pingd " + pick({"number:", "integer:", "string:", "version:", ""}) +
                   pick({"gt", "lte", "eq", "ne", "lt", "gte"}) + " " + pick({"0", "5", "100", "1.2"});
    case 4: return "date " + pick({"spec", "date_spec"}) + " " + date_fields();
    case 5: return "date " + pick({"in", "in_range"}) + " start=2020-01-01 " + date_fields();
    case 6: return "date in start=2020-01-01 end=2022-01-01 " + date_fields();
    default: return "#uname " + pick({"eq", "ne"}) + " " + pick({"node1", "node2"});
  }
}

// [score:] rule [score:] expression [and|or expression ...]: one bool op a rule, as crmsh demands
std::string rule_text(bool set_score) {
  std::string s;
  if (set_score && *rc::gen::inRange(0, 3) == 0) s += pick({"10:", "-5:"}) + " ";
  s += "rule";
  if (*rc::gen::arbitrary<bool>()) s += " " + pick({"50", "-inf", "inf", "10"}) + ":";
  s += " " + expression();
  const std::string bop = pick({"and", "or"});
  const int more = *rc::gen::inRange(0, 2);
  for (int m = 0; m < more; ++m) s += " " + bop + " " + expression();
  return s;
}

std::string alert_line(int i) {
  std::string s = "alert al" + std::to_string(i) + " " + pick({"/bin/true", "/usr/share/pacemaker/alerts/alert_file.sh"});
  if (*rc::gen::arbitrary<bool>()) s += " attributes" + nvlist({"logfile", "x"}, 2);
  if (*rc::gen::arbitrary<bool>()) s += " meta timeout=" + pick({"10s", "5s"});
  if (*rc::gen::arbitrary<bool>()) {
    s += " select";
    const int n = *rc::gen::inRange(1, 3);
    for (int k = 0; k < n; ++k) {
      const std::string sel = pick({"nodes", "fencing", "resources", "attributes"});
      s += sel == "attributes" ? " attributes { " + pick({"standby", "pingd"}) + " }" : " " + sel;
    }
  }
  const int to = *rc::gen::inRange(0, 3);
  for (int k = 0; k < to; ++k) {
    const std::string v = pick({"/var/log/a.log", "192.168.1.1", "root@localhost"});
    switch (*rc::gen::inRange(0, 3)) {
      case 0: s += " to " + v; break;
      case 1: s += " to { " + v + " meta timeout=3s }"; break;
      default: s += " to " + v + " attributes q=1"; break;
    }
  }
  return s;
}

std::string bundle_line(int i, const std::string& prim) {
  std::string s = "bundle bu" + std::to_string(i) + " docker image=" + pick({"nginx", "busybox"});
  if (*rc::gen::arbitrary<bool>()) s += " replicas=" + pick({"1", "2"});
  const bool net = !prim.empty() || *rc::gen::arbitrary<bool>();
  if (net) {
    s += " network " + pick({"control-port=3121", "ip-range-start=10.0.0.10"});
    const int pm = *rc::gen::inRange(0, 3);
    for (int k = 0; k < pm; ++k) s += " port-mapping" + std::string(k == 0 && *rc::gen::arbitrary<bool>() ? " id=pm" + std::to_string(i) : "") + " port=" + pick({"80", "443"});
  }
  if (*rc::gen::arbitrary<bool>()) {
    s += " storage";
    const int sm = *rc::gen::inRange(1, 3);
    for (int k = 0; k < sm; ++k) s += " storage-mapping target-dir=/t" + std::to_string(k) + " source-dir=/s" + std::to_string(k);
  }
  if (*rc::gen::arbitrary<bool>()) s += " meta target-role=" + pick({"Started", "Stopped"});
  if (!prim.empty()) s += " primitive " + prim;
  return s;
}

std::string script() {
  std::vector<std::string> lines;
  lines.push_back("property stonith-enabled=false" +
                  std::string(*rc::gen::arbitrary<bool>() ? " no-quorum-policy=" + pick({"ignore", "stop"}) : ""));
  if (*rc::gen::arbitrary<bool>()) lines.push_back("node node1");
  if (*rc::gen::arbitrary<bool>()) lines.push_back("node node2 attributes site=a" + std::string(*rc::gen::arbitrary<bool>() ? " utilization memory=1024" : ""));
  const bool templ = *rc::gen::inRange(0, 4) == 0;
  if (templ) lines.push_back("rsc_template tpl ocf:pacemaker:Dummy params fake=" + value().substr(0, 1) + " op monitor interval=30s");
  const int np = *rc::gen::inRange(1, 7);
  std::vector<std::string> top;
  for (int i = 0; i < np; ++i) {
    const std::string id = "p" + std::to_string(i);
    if (templ && *rc::gen::inRange(0, 3) == 0)
      lines.push_back("primitive " + id + " @tpl" + (*rc::gen::arbitrary<bool>() ? " params state=/run/" + id : ""));
    else
      lines.push_back(primitive_line(id));
    top.push_back(id);
  }
  std::vector<std::string> all_prims = top;
  // containers over the remaining top-level primitives
  int ng = 0, nc = 0;
  const int want_groups = *rc::gen::inRange(0, 3);
  std::vector<std::string> loose = top;  // groups hold primitives only
  for (int gi = 0; gi < want_groups && loose.size() >= 2; ++gi) {
    std::string g = "g" + std::to_string(ng++);
    std::string m1 = loose.back();
    loose.pop_back();
    std::string m2 = loose.back();
    loose.pop_back();
    top.erase(std::find(top.begin(), top.end(), m1));
    top.erase(std::find(top.begin(), top.end(), m2));
    lines.push_back("group " + g + " " + m1 + " " + m2 + (*rc::gen::arbitrary<bool>() ? " meta target-role=Started" : ""));
    top.push_back(g);
  }
  const int want_clones = *rc::gen::inRange(0, 3);
  for (int ci = 0; ci < want_clones && ci < int(top.size()); ++ci) {
    std::string c = "c" + std::to_string(nc++);
    std::string m = top.front();
    top.erase(top.begin());
    const int k = *rc::gen::inRange(0, 3);
    if (k == 0) lines.push_back("clone " + c + " " + m + " meta interleave=true");
    else if (k == 1) lines.push_back("clone " + c + " " + m + " meta promotable=true notify=true");
    else lines.push_back("ms " + c + " " + m + " meta promoted-max=1");
    top.push_back(c);
  }
  static const char* roles[] = {"Started", "Promoted", "Unpromoted"};
  static const char* actions[] = {"start", "stop", "promote", "demote"};
  const int nk = *rc::gen::inRange(0, 6);
  for (int i = 0; i < nk; ++i) {
    const std::string id = std::to_string(i);
    switch (*rc::gen::inRange(0, 3)) {
      case 0: {
        std::string s = "location l" + id + " " + *rc::gen::elementOf(top);
        if (*rc::gen::inRange(0, 4) == 0) s += " role=" + pick({"Started", "Promoted"});
        if (*rc::gen::inRange(0, 4) == 0) s += " resource-discovery=" + pick({"never", "exclusive", "always"});
        if (*rc::gen::arbitrary<bool>()) {
          s += " " + pick({"100", "inf", "-inf", "+100", "-50"}) + ": " + pick({"node1", "node2"});
        } else {
          const int rules = *rc::gen::inRange(1, 3);
          for (int r = 0; r < rules; ++r) {
            s += " rule";
            if (*rc::gen::inRange(0, 4) == 0) s += " $role=" + pick({"Started", "Promoted"});
            if (*rc::gen::arbitrary<bool>()) s += " " + pick({"50", "-inf", "inf", "10"}) + ":";
            s += " " + expression();
            const std::string bop = pick({"and", "or"});
            const int more = *rc::gen::inRange(0, 3);
            for (int m = 0; m < more; ++m) s += " " + bop + " " + expression();
          }
        }
        lines.push_back(s);
        break;
      }
      case 1:
        lines.push_back("colocation co" + id + " " + pick({"inf", "-inf", "100", "-1000"}) + ": " +
                        items(top, *rc::gen::arbitrary<bool>(), roles, 3));
        break;
      default: {
        std::string kind = *rc::gen::arbitrary<bool>() ? pick({"Mandatory", "Optional", "Serialize", "mandatory", "inf", "0", "100"}) + ": " : "";
        const bool sets = *rc::gen::arbitrary<bool>();
        std::string s = "order o" + id + " " + kind + items(top, sets, actions, 4);
        if (*rc::gen::inRange(0, 3) == 0) s += " symmetrical=" + pick({"true", "false"});
        lines.push_back(s);
      }
    }
  }
  if (*rc::gen::inRange(0, 3) == 0) {
    std::string t = "tag t0 " + top.front();
    if (top.size() > 1) t += " " + top.back();
    lines.push_back(t);
  }
  if (*rc::gen::inRange(0, 3) == 0) {
    static const char* rroles[] = {"Started", "Promoted", "Stopped"};
    const bool sets = *rc::gen::arbitrary<bool>();
    std::string s = "rsc_ticket tk0 " + pick({"ticketA", "ticketB"}) + ": " +
                    (sets ? items(top, true, rroles, 3) : item(top, rroles, 3));
    if (*rc::gen::arbitrary<bool>()) s += " loss-policy=" + pick({"stop", "demote", "freeze"});
    lines.push_back(s);
  }
  if (*rc::gen::inRange(0, 4) == 0)
    lines.push_back("fencing_topology " + pick({"node1", "node2"}) + ": " + *rc::gen::elementOf(all_prims) + " " +
                    *rc::gen::elementOf(all_prims));
  if (*rc::gen::inRange(0, 4) == 0) {
    lines.push_back("role r0 " + pick({"read", "write", "deny"}) + " xpath:\"//nodes\" read ref:" + top.front());
    if (*rc::gen::arbitrary<bool>()) lines.push_back("acl_target alice r0");
  }
  if (*rc::gen::arbitrary<bool>()) lines.push_back("rsc_defaults" + nvlist({"resource-stickiness", "migration-threshold"}, 2));
  if (*rc::gen::arbitrary<bool>()) lines.push_back("op_defaults" + nvlist({"timeout", "record-pending"}, 2));
  if (*rc::gen::inRange(0, 3) == 0)
    lines.push_back("rsc_defaults rd1: " + rule_text(false) + nvlist({"resource-stickiness", "migration-threshold"}, 2));
  if (*rc::gen::inRange(0, 3) == 0) lines.push_back("op_defaults od1: " + rule_text(false) + nvlist({"timeout", "record-pending"}, 2));
  const int alerts = *rc::gen::inRange(0, 3);
  for (int i = 0; i < alerts; ++i) lines.push_back(alert_line(i));
  if (*rc::gen::inRange(0, 3) == 0) {
    const bool with_prim = *rc::gen::arbitrary<bool>();
    if (with_prim) lines.push_back("primitive bp ocf:pacemaker:Dummy");
    lines.push_back(bundle_line(0, with_prim ? "bp" : ""));
  }
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

// A session of single commits, in an order that makes crmsh rewrite
// constraints: constraints first, then groups over their resources, then
// a rename or delete.
std::string lines_script() {
  std::vector<std::string> lines{"property stonith-enabled=false"};
  const int np = *rc::gen::inRange(2, 5);
  std::vector<std::string> prims;
  for (int i = 0; i < np; ++i) {
    prims.push_back("p" + std::to_string(i));
    lines.push_back("primitive " + prims.back() + " ocf:pacemaker:Dummy" +
                    (*rc::gen::arbitrary<bool>() ? " op monitor interval=10s" : ""));
  }
  static const char* roles[] = {"Started", "Promoted"};
  static const char* actions[] = {"start", "stop"};
  const int nk = *rc::gen::inRange(1, 4);
  for (int i = 0; i < nk; ++i) {
    const std::string id = std::to_string(i);
    switch (*rc::gen::inRange(0, 3)) {
      case 0: lines.push_back("location l" + id + " " + *rc::gen::elementOf(prims) + " " + pick({"100", "inf"}) + ": node1"); break;
      case 1: lines.push_back("colocation co" + id + " inf: " + items(prims, *rc::gen::arbitrary<bool>(), roles, 2)); break;
      default: lines.push_back("order o" + id + " Mandatory: " + items(prims, *rc::gen::arbitrary<bool>(), actions, 2));
    }
  }
  // single commands re-read their text form in crmsh (a rule's string: type goes)
  if (*rc::gen::arbitrary<bool>()) lines.push_back("location lr " + prims[0] + " " + rule_text(false));
  if (*rc::gen::inRange(0, 3) == 0) lines.push_back(alert_line(0));
  if (*rc::gen::inRange(0, 3) == 0) lines.push_back(bundle_line(0, ""));
  if (np >= 2 && *rc::gen::arbitrary<bool>()) lines.push_back("group g " + prims[0] + " " + prims[1]);
  switch (*rc::gen::inRange(0, 3)) {
    case 0: lines.push_back("rename " + prims.back() + " renamed"); break;
    case 1: lines.push_back("delete " + prims.back()); break;
    default: break;
  }
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

std::string run_real_crmsh(const std::string& text, const char* mode = "load") {
  char path[] = "/tmp/halab-diff-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "";
  (void)!write(fd, text.data(), text.size());
  close(fd);
  const std::string cmd = shared_dir() + "/crmsh-oracle/crmsh2xml.sh -m " + mode + " -F " + path + " 2>/dev/null";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  unlink(path);
  return out;
}

bool have_crmsh() {
  return std::system("command -v crm >/dev/null 2>&1 && command -v cibadmin >/dev/null 2>&1") == 0 &&
         std::system(("test -x " + shared_dir() + "/crmsh-oracle/crmsh2xml.sh").c_str()) == 0;
}

}  // namespace

TEST(Differential, HalabWritesWhatRealCrmshWrites) {
  if (!have_crmsh()) GTEST_SKIP() << "real crmsh / pacemaker-cli-utils / the oracle script are not installed";
  const bool ok = rc::check("same <configuration> as crmsh 4.4.1", [] {
    const std::string text = script();
    RC_TAG(text.size() / 200);
    MemoryHost h;
    run_load(h, text, true);
    const std::string theirs = run_real_crmsh(text);
    RC_ASSERT(theirs.find("<configuration>") != std::string::npos);
    const std::string ours_conf = configuration_text(h.cib_xml);
    const std::string theirs_conf = configuration_text(theirs);
    if (ours_conf != theirs_conf) {
      RC_LOG() << "script:\n" << text << "\nhalab:\n" << ours_conf << "\ncrmsh:\n" << theirs_conf << "\nhalab said:\n" << h.err_text;
    }
    RC_ASSERT(ours_conf == theirs_conf);
  });
  EXPECT_TRUE(ok);
}

// One crm process a line (slow: ~0.6 s a line), so only the first few
// generated cases (HALAB_DIFF_LINES_CASES, default 6) run the oracle; the
// rest of RapidCheck's run passes at once.
TEST(Differential, LineByLineSessionsMatchRealCrmsh) {
  if (!have_crmsh()) GTEST_SKIP() << "real crmsh / pacemaker-cli-utils / the oracle script are not installed";
  const char* env = std::getenv("HALAB_DIFF_LINES_CASES");
  static int budget = env ? std::atoi(env) : 6;
  const bool ok = rc::check("line by line: same <configuration> as crmsh 4.4.1", [] {
    const std::string text = lines_script();
    if (budget <= 0) RC_SUCCEED("oracle budget used");
    --budget;
    MemoryHost h;
    run_lines(h, text, true);
    const std::string theirs = run_real_crmsh(text, "lines");
    RC_ASSERT(theirs.find("<configuration>") != std::string::npos);
    const std::string ours_conf = configuration_text(h.cib_xml), theirs_conf = configuration_text(theirs);
    if (ours_conf != theirs_conf)
      std::cerr << "script:\n" << text << "\nhalab:\n" << ours_conf << "\ncrmsh:\n" << theirs_conf << "\nhalab said:\n" << h.err_text;
    RC_ASSERT(ours_conf == theirs_conf);
  });
  EXPECT_TRUE(ok);
}
