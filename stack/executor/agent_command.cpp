#include "stack/executor/agent_command.hpp"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>

#include <csignal>
#include <cstring>

namespace halab::executor {

std::string ResourceDef::spec() const {
  if (standard == "ocf") return fmt::format("ocf:{}:{}", provider, type);
  return fmt::format("{}:{}", standard, type);
}

bool valid_agent_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
         name.find('\0') == std::string::npos;
}

namespace {

std::string ms(core::Duration d) { return std::to_string(core::to_ms(d)); }

void base_env(const AgentPaths& paths, std::vector<std::string>& env) {
  env.push_back("PATH=" + paths.path_env);
  env.push_back("LANG=C");
  env.push_back("LC_ALL=C");
  if (!paths.rsctmp.empty()) env.push_back("HA_RSCTMP=" + paths.rsctmp);
  if (!paths.varrun.empty()) env.push_back("HA_VARRUN=" + paths.varrun + "/");
}

}  // namespace

core::ProcessSpec ocf_command(const AgentPaths& paths, const ResourceDef& rsc, const OpRequest& op) {
  core::ProcessSpec s;
  s.argv = {fmt::format("{}/resource.d/{}/{}", paths.ocf_root, rsc.provider, rsc.type), op.action};
  auto& env = s.env;
  base_env(paths, env);
  env.push_back("OCF_ROOT=" + paths.ocf_root);
  env.push_back("OCF_FUNCTIONS_DIR=" + paths.ocf_root + "/lib/heartbeat");
  env.push_back("OCF_RA_VERSION_MAJOR=1");
  env.push_back("OCF_RA_VERSION_MINOR=1");
  env.push_back("OCF_RESOURCE_INSTANCE=" + rsc.id);
  env.push_back("OCF_RESOURCE_TYPE=" + rsc.type);
  env.push_back("OCF_RESOURCE_PROVIDER=" + rsc.provider);
  env.push_back("OCF_EXIT_REASON_PREFIX=ocf-exit-reason:");
  for (const auto& [k, v] : rsc.params) env.push_back(fmt::format("OCF_RESKEY_{}={}", k, v));
  for (const auto& [k, v] : op.op_params) {
    // OCF_CHECK_LEVEL is an operation attribute agents read unprefixed.
    if (k == "OCF_CHECK_LEVEL") env.push_back("OCF_CHECK_LEVEL=" + v);
    env.push_back(fmt::format("OCF_RESKEY_{}={}", k, v));
  }
  env.push_back("OCF_RESKEY_CRM_meta_timeout=" + ms(op.timeout));
  env.push_back("OCF_RESKEY_CRM_meta_interval=" + ms(op.interval));
  env.push_back("OCF_RESKEY_CRM_meta_name=" + op.action);
  for (const auto& [k, v] : op.meta) {
    if (k == "timeout" || k == "interval" || k == "name") continue;
    env.push_back(fmt::format("OCF_RESKEY_CRM_meta_{}={}", k, v));
  }
  s.timeout = op.timeout;
  return s;
}

core::ProcessSpec lsb_command(const AgentPaths& paths, const ResourceDef& rsc, const OpRequest& op) {
  core::ProcessSpec s;
  const std::string action = op.action == "monitor" ? "status" : op.action;
  s.argv = {paths.lsb_dir + "/" + rsc.type, action};
  base_env(paths, s.env);
  s.timeout = op.timeout;
  return s;
}

core::ProcessSpec systemd_command(const AgentPaths& paths, const ResourceDef& rsc, const OpRequest& op) {
  core::ProcessSpec s;
  std::string unit = rsc.type;
  if (unit.find('.') == std::string::npos) unit += ".service";
  std::string verb = op.action;
  if (op.action == "monitor" || op.action == "status") verb = "is-active";
  s.argv = {paths.systemctl, verb, unit};
  base_env(paths, s.env);
  s.timeout = op.timeout;
  return s;
}

std::string exit_reason_of(const std::string& stderr_text) {
  static constexpr std::string_view prefix = "ocf-exit-reason:";
  std::string reasons;
  std::size_t pos = 0;
  while (pos < stderr_text.size()) {
    std::size_t eol = stderr_text.find('\n', pos);
    if (eol == std::string::npos) eol = stderr_text.size();
    std::string_view line(stderr_text.data() + pos, eol - pos);
    const auto at = line.find(prefix);
    if (at != std::string_view::npos) {
      auto r = line.substr(at + prefix.size());
      while (!r.empty() && (r.back() == '\r' || r.back() == ' ')) r.remove_suffix(1);
      if (!r.empty()) {
        if (!reasons.empty()) reasons += "; ";
        reasons += r;
      }
    }
    pos = eol + 1;
  }
  return reasons;
}

namespace {

bool systemd_absent(const core::ProcessResult& pr) {
  return pr.end == core::ProcessResult::End::spawn_failed ||
         pr.err.find("not been booted with systemd") != std::string::npos ||
         pr.err.find("Failed to connect to bus") != std::string::npos;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

void interpret(const std::string& standard, const OpRequest& op, const core::ProcessResult& pr, OpResult& out) {
  out.output = pr.out;
  out.stderr_text = pr.err;
  out.exec_time = pr.runtime;
  out.exit_reason = exit_reason_of(pr.err);
  using End = core::ProcessResult::End;
  if (standard == "systemd" && systemd_absent(pr)) {
    out.status = ExecStatus::not_installed;
    out.rc = 5;
    out.exit_reason = "systemd is not running on this node";
    return;
  }
  switch (pr.end) {
    case End::spawn_failed:
      out.status = ExecStatus::not_installed;
      out.rc = 5;
      if (out.exit_reason.empty()) out.exit_reason = pr.error;
      return;
    case End::timed_out:
      out.status = ExecStatus::timeout;
      out.rc = 1;
      if (out.exit_reason.empty())
        out.exit_reason = fmt::format("{} of {} timed out after {}", op.action, "agent", core::format_duration(op.timeout));
      return;
    case End::signaled:
      out.status = ExecStatus::error;
      out.rc = 1;
      if (out.exit_reason.empty())
        out.exit_reason = fmt::format("agent killed by signal {} ({})", pr.signal, strsignal(pr.signal));
      return;
    case End::exited: break;
  }
  const int code = pr.exit_code;
  out.status = ExecStatus::done;
  if (standard == "ocf") {
    if (!known_ocf_rc(code)) {
      out.status = ExecStatus::error;
      out.rc = 1;
      out.exit_reason = fmt::format("agent returned exit code {}, which is not an OCF exit code{}{}", code,
                                    out.exit_reason.empty() ? "" : ": ", out.exit_reason);
      return;
    }
    out.rc = code;
  } else if (standard == "lsb") {
    out.rc = lsb_to_ocf(op.action, code);
    if (out.rc == 1 && code > 7 && op.action != "status" && op.action != "monitor")
      out.exit_reason = fmt::format("init script returned exit code {}, which is not an LSB exit code", code);
  } else if (standard == "systemd") {
    if (op.action == "monitor" || op.action == "status") {
      const std::string state = trimmed(pr.out);
      out.rc = (state == "active" || state == "reloading") ? 0 : 7;
    } else if (code == 0) {
      out.rc = 0;
    } else if (code == 5 || pr.err.find("not found") != std::string::npos) {
      out.rc = 5;
      out.status = ExecStatus::not_installed;
      out.exit_reason = trimmed(pr.err);
    } else {
      out.rc = 1;
      if (out.exit_reason.empty()) out.exit_reason = trimmed(pr.err);
    }
  } else {
    out.rc = code;
  }
  if (op.action == "meta-data" && out.rc == 0) {
    const std::string why = check_metadata(pr.out);
    if (!why.empty()) {
      out.status = ExecStatus::error;
      out.rc = 1;
      out.exit_reason = "invalid meta-data: " + why;
    }
  }
}

std::string check_metadata(const std::string& xml) {
  if (xml.find_first_not_of(" \t\r\n") == std::string::npos) return "empty output";
  struct Errors {
    std::string first;
  } errors;
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (ctxt == nullptr) return "cannot allocate an XML parser";
  // The handler is libxml2-global: keep whatever another component set.
  xmlStructuredErrorFunc saved_handler = xmlStructuredError;
  void* saved_context = xmlStructuredErrorContext;
  xmlSetStructuredErrorFunc(&errors, [](void* user, xmlErrorPtr e) {
    auto* errs = static_cast<Errors*>(user);
    if (errs->first.empty() && e != nullptr)
      errs->first = fmt::format("line {}: {}", e->line, e->message ? e->message : "error");
  });
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml.data(), static_cast<int>(xml.size()), "meta-data", nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlSetStructuredErrorFunc(saved_context, saved_handler);
  std::string why;
  if (doc == nullptr) {
    why = errors.first.empty() ? "not well-formed XML" : errors.first;
    while (!why.empty() && why.back() == '\n') why.pop_back();
  } else {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == nullptr || std::strcmp(reinterpret_cast<const char*>(root->name), "resource-agent") != 0)
      why = fmt::format("root element is <{}>, expected <resource-agent>",
                        root ? reinterpret_cast<const char*>(root->name) : "");
    xmlFreeDoc(doc);
  }
  xmlFreeParserCtxt(ctxt);
  return why;
}

std::string generated_metadata(const ResourceDef& rsc, const std::string& description) {
  return fmt::format(
      "<?xml version=\"1.0\"?>\n<resource-agent name=\"{}\" version=\"0.1\">\n  <version>1.1</version>\n"
      "  <longdesc lang=\"en\">{}</longdesc>\n  <shortdesc lang=\"en\">{}</shortdesc>\n  <parameters/>\n"
      "  <actions>\n    <action name=\"start\" timeout=\"15s\"/>\n    <action name=\"stop\" timeout=\"15s\"/>\n"
      "    <action name=\"status\" timeout=\"15s\"/>\n    <action name=\"monitor\" timeout=\"15s\" interval=\"15s\"/>\n"
      "    <action name=\"meta-data\" timeout=\"5s\"/>\n  </actions>\n</resource-agent>\n",
      rsc.type, description, description);
}

}  // namespace halab::executor
