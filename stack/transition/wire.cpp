// Actions and results on the wire between controllers (see wire.hpp).
#include "stack/transition/wire.hpp"

#include <cerrno>
#include <cstdlib>

#include "stack/cib/xml.hpp"
#include "stack/core/error.hpp"

namespace halab::transition {

namespace {

std::string esc(const std::string& v) { return cib::escape_attr(v); }

bool xml_name(const std::string& k) {
  if (k.empty() || !(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
  for (char ch : k)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.')) return false;
  return true;
}

}  // namespace

std::string encode_action(const GraphAction& a, int transition_id) {
  std::string s = "<" + std::string(to_string(a.type)) + " id=\"" + std::to_string(a.id) + "\" operation=\"" +
                  esc(a.operation) + "\" operation_key=\"" + esc(a.operation_key) + "\"";
  if (!a.on_node.empty()) s += " on_node=\"" + esc(a.on_node) + "\" on_node_uuid=\"" + esc(a.on_node_uuid) + "\"";
  s += " transition=\"" + std::to_string(transition_id) + "\">";
  if (!a.rsc_id.empty() || !a.rsc_class.empty()) {
    s += "<primitive id=\"" + esc(a.rsc_id) + "\"";
    if (!a.rsc_long_id.empty()) s += " long-id=\"" + esc(a.rsc_long_id) + "\"";
    s += " class=\"" + esc(a.rsc_class) + "\"";
    if (!a.rsc_provider.empty()) s += " provider=\"" + esc(a.rsc_provider) + "\"";
    s += " type=\"" + esc(a.rsc_type) + "\"/>";
  }
  std::string params;
  s += "<attributes";
  for (const auto& [k, v] : a.attributes) {
    if (xml_name(k)) s += " " + k + "=\"" + esc(v) + "\"";
    else params += "<param name=\"" + esc(k) + "\" value=\"" + esc(v) + "\"/>";
  }
  s += params.empty() ? "/>" : ">" + params + "</attributes>";
  if (!a.downed.empty()) {
    s += "<downed>";
    for (const auto& d : a.downed) s += "<node id=\"" + esc(d) + "\"/>";
    s += "</downed>";
  }
  return s + "</" + to_string(a.type) + ">";
}

GraphAction decode_action(std::string_view xml, std::string_view source, int& transition_id) {
  // One action is a graph of one synapse: the same checks and messages.
  auto doc = cib::parse_xml(xml, source);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const std::string t = cib::attr_or(root, "transition", "");
  char* end = nullptr;
  errno = 0;
  const long id = std::strtol(t.c_str(), &end, 10);
  if (t.empty() || errno != 0 || *end != '\0')
    throw core::Error(std::string(source) + ": action without a valid transition=\"" + t + "\"");
  transition_id = int(id);
  std::string graph = "<transition_graph transition_id=\"" + t + "\"><synapse id=\"0\"><action_set>" +
                      std::string(xml) + "</action_set></synapse></transition_graph>";
  Graph g = parse_graph(graph, source);
  GraphAction a = g.actions.at(0);
  a.synapse = -1;
  return a;
}

std::string encode_result(const ActionResult& r) {
  std::string reason;
  for (char ch : r.exit_reason) reason += ch == '\n' ? ' ' : ch;
  return "rc=" + std::to_string(r.rc) + "\nstatus=" + std::to_string(int(r.status)) +
         "\ncall_id=" + std::to_string(r.call_id) +
         "\nlast_rc_change=" + std::to_string(r.last_rc_change.time_since_epoch().count()) +
         "\nexec_ns=" + std::to_string(r.exec_time.count()) + "\nqueue_ns=" + std::to_string(r.queue_time.count()) +
         "\nexit_reason=" + reason + "\n";
}

ActionResult decode_result(std::string_view text, std::string_view source) {
  ActionResult r;
  bool have_rc = false, have_status = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string line(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw core::Error(std::string(source) + ": result line '" + line + "' is not key=value");
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "exit_reason") {
      r.exit_reason = value;
      continue;
    }
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || errno != 0 || *end != '\0')
      throw core::Error(std::string(source) + ": result " + key + "=\"" + value + "\" is not a number");
    if (key == "rc") r.rc = int(v), have_rc = true;
    else if (key == "status") r.status = executor::ExecStatus(int(v)), have_status = true;
    else if (key == "call_id") r.call_id = int(v);
    else if (key == "last_rc_change") r.last_rc_change = core::WallTime(core::Duration(v));
    else if (key == "exec_ns") r.exec_time = core::Duration(v);
    else if (key == "queue_ns") r.queue_time = core::Duration(v);
    else throw core::Error(std::string(source) + ": unknown result key '" + key + "'");
  }
  if (!have_rc || !have_status) throw core::Error(std::string(source) + ": result needs rc= and status=");
  return r;
}

}  // namespace halab::transition
