#include "stack/shell/session.hpp"

#include <algorithm>
#include <map>

#include "stack/cib/patchset.hpp"
#include "stack/shell/build.hpp"
#include "stack/shell/lexer.hpp"
#include "stack/shell/verify.hpp"

namespace halab::shell {

using namespace cib;

namespace {

const char* kConfigureHelp =
    "configure commands:\n"
    "  node primitive rsc_template group clone ms location colocation order rsc_ticket\n"
    "  tag fencing_topology property rsc_defaults op_defaults role user acl_target\n"
    "  monitor delete rename modgroup show verify commit load save erase edit\n"
    "  cd up end ls help quit\n";
const char* kRootHelp =
    "levels: configure resource node ra cib status\n"
    "commands: cd up end ls help quit\n";

// Kinds in the order `load` creates them (crmsh's processing order: simple objects first).
int load_rank(const std::string& verb) {
  static const std::map<std::string, int> r = {
      {"node", 0}, {"rsc_template", 1}, {"primitive", 2}, {"bundle", 3}, {"group", 4}, {"ms", 5},
      {"master", 5}, {"clone", 6}, {"tag", 7}, {"location", 8}, {"colocation", 8}, {"collocation", 8},
      {"order", 8}, {"rsc_ticket", 9}, {"fencing_topology", 9}, {"property", 10}, {"rsc_defaults", 11},
      {"op_defaults", 12}, {"role", 13}, {"acl_target", 14}, {"acl_group", 14}, {"user", 14}, {"alert", 15}};
  auto it = r.find(verb);
  return it == r.end() ? 99 : it->second;
}

void erase_configuration(Cib& c, bool nodes_too) {
  for (xmlNode* sec : children(c.configuration())) {
    const auto nm = name_of(sec);
    if (nm == "nodes" && !nodes_too) continue;
    for (xmlNode* ch = sec->children; ch;) {
      xmlNode* next = ch->next;
      remove_node(ch);
      ch = next;
    }
  }
}

// The id an object definition creates (for load update's replacement).
std::string object_id(const std::vector<std::string>& w) {
  if (w.size() < 2) return "";
  const std::string& verb = w[0];
  if (verb == "property" || verb == "rsc_defaults" || verb == "op_defaults" || verb == "fencing_topology")
    return "";
  std::string id = w[1];
  if (verb == "node") {
    if (id.ends_with(":")) return id.substr(0, id.size() - 1);
    return id.substr(0, id.find(':'));
  }
  if (id.ends_with(":")) id.pop_back();
  return id;
}

// What crmsh does to the CIB it reads (xmlutil.sanitize_cib): attributes
// equal to their default go (rule boolean-op="and", node type="normal",
// resource_set sequential/require-all="true"; with `full` also expression
// type="string"), and with `full` resources move behind the attribute sets
// of their container. crmsh edits the `full` copy and compares it with the
// other one, so these clean-ups reach the file with the next real change.
void sanitize(xmlNode* n, bool full) {
  for (xmlNode* c : children(n)) {
    const auto nm = name_of(c);
    if (nm == "status") continue;
    if (nm == "rule" && attr_or(c, "boolean-op", "") == "and") unset_attr(c, "boolean-op");
    if (nm == "node" && attr_or(c, "type", "") == "normal") unset_attr(c, "type");
    if (nm == "resource_set") {
      if (attr_or(c, "sequential", "") == "true") unset_attr(c, "sequential");
      if (attr_or(c, "require-all", "") == "true") unset_attr(c, "require-all");
    }
    if (full && nm == "expression" && attr_or(c, "type", "") == "string") unset_attr(c, "type");
    if (full && (nm == "group" || nm == "clone" || nm == "master" || nm == "bundle")) {
      std::vector<xmlNode*> rs;
      for (xmlNode* k : children(c))
        if (is(k, "group") || is(k, "primitive")) rs.push_back(k);
      for (xmlNode* k : rs) {
        xmlUnlinkNode(k);
        xmlAddChild(c, k);
      }
    }
    sanitize(c, full);
  }
}

// The element an object definition made or changed, for its comments.
xmlNode* defined_element(Configuration& conf, const std::vector<std::string>& w) {
  const std::string& verb = w[0];
  std::string id = object_id(w);
  if (verb == "property" || verb == "rsc_defaults" || verb == "op_defaults") {
    id = verb == "property" ? "cib-bootstrap-options" : verb == "rsc_defaults" ? "rsc-options" : "op-options";
    if (w.size() > 1 && w[1].starts_with("$id=")) id = w[1].substr(4);
    else if (w.size() > 1 && w[1].ends_with(":") && w[1].find('=') == std::string::npos) id = w[1].substr(0, w[1].size() - 1);
  }
  if (verb == "fencing_topology") return conf.cib().section("fencing-topology");
  if (id.empty()) return nullptr;
  if (verb == "node")
    for (xmlNode* n : children(conf.cib().section("nodes"), "node"))
      if (attr_or(n, "uname", "") == id || attr_or(n, "id", "") == id) return n;
  return find_by_id(conf.cib().configuration(), id);
}

void attach_comments(Configuration& conf, const std::vector<std::string>& w, const std::vector<std::string>& comments) {
  xmlNode* el = defined_element(conf, w);
  if (!el) return;
  xmlNode* first = el->children;
  for (const auto& c : comments) {
    xmlNode* cn = xmlNewDocComment(conf.cib().doc(), reinterpret_cast<const xmlChar*>(c.c_str()));
    if (first) xmlAddPrevSibling(first, cn);
    else xmlAddChild(el, cn);
  }
}

}  // namespace

void sanitize_as_crmsh(xmlNode* n, bool full) { sanitize(n, full); }

Session::Session(ShellHost& host, SchemaValidator& schema, SessionOptions opts)
    : host_(host), schema_(schema), opts_(opts) {}

void Session::error(const std::string& msg) {
  failed_ = true;
  host_.err("ERROR: " + (lineno_ > 0 ? std::to_string(lineno_) + ": " : std::string()) + msg + "\n");
}
void Session::warning(const std::string& msg) { host_.err("WARNING: " + msg + "\n"); }
void Session::info(const std::string& msg) { host_.err("INFO: " + msg + "\n"); }

std::string Session::prompt() const {
  std::string p = "crm(" + (shadow_.empty() ? std::string("live") : shadow_) + ")";
  for (auto& l : levels_) p += l;
  return p + "# ";
}

Cib Session::read_current() {
  if (!shadow_.empty()) return Shadows(*host_.shadow_storage(), "").read(shadow_);
  return host_.read_cib();
}

void Session::write_current(const Cib& c) {
  if (!shadow_.empty()) Shadows(*host_.shadow_storage(), "").write(shadow_, c);
  else host_.write_cib(c);
}

bool Session::execute(const std::string& line, int lineno) {
  lineno_ = lineno;
  std::vector<std::string> w;
  try {
    w = split_words(line);
  } catch (const core::Error& e) {
    error(std::string("syntax: ") + e.what() + " parsing '" + line + "'");
    return false;
  }
  if (w.empty()) return true;
  if (w[0].starts_with("#")) {
    if (levels_.empty()) return true;
    error("syntax: comment at the " + levels_.back() + " level parsing '" + line + "'");
    return false;
  }
  return run_words(std::move(w), line);
}

bool Session::run_words(std::vector<std::string> w, const std::string& line) {
  const std::string level = levels_.empty() ? "" : levels_.back();
  // "configure primitive ..." at a level above: enter, run, leave (commit).
  if (level.empty() && (w[0] == "configure" || w[0] == "resource" || w[0] == "node" || w[0] == "ra" || w[0] == "cib") && w.size() > 1) {
    if (!enter(w[0])) return false;
    std::vector<std::string> rest(w.begin() + 1, w.end());
    std::string rest_line = line.substr(std::min(line.size(), line.find(w[0]) + w[0].size()));
    bool ok = run_words(rest, rest_line);
    if (!ok && w[0] == "configure") {
      // crmsh leaves the level; the failed command changed nothing.
      levels_.pop_back();
      conf_.reset();
      original_.reset();
      return false;
    }
    return leave() && ok;
  }
  if (w[0] == "cd") {
    if (w.size() < 2 || w[1] == "..") return leave();
    if (w[1] == "/") {
      while (!levels_.empty())
        if (!leave()) return false;
      return true;
    }
    return enter(w[1]);
  }
  if (w[0] == "up" || w[0] == "end") return leave();
  if (w[0] == "quit" || w[0] == "exit" || w[0] == "bye") {
    while (!levels_.empty())
      if (!leave()) return false;
    quit_ = true;
    return true;
  }
  if (level.empty()) return root_command(w);
  if (level == "configure") return configure_command(w, line);
  if (level == "ra") return ra_command(w);
  if (level == "resource") return resource_command(w);
  if (level == "node") return node_command(w);
  return cib_command(w);
}

bool Session::enter(const std::string& level) {
  if (!levels_.empty()) {
    error("No such command: " + level);
    return false;
  }
  if (level != "configure" && level != "resource" && level != "node" && level != "ra" && level != "cib") {
    error("No such level: " + level);
    return false;
  }
  if (level == "configure") {
    try {
      original_ = read_current();
      Cib work = *original_;
      sanitize(work.root(), true);
      conf_.emplace(std::move(work));
    } catch (const core::Error& e) {
      error(e.what());
      return false;
    }
  }
  levels_.push_back(level);
  return true;
}

bool Session::leave() {
  if (levels_.empty()) return true;
  bool ok = true;
  if (levels_.back() == "configure") ok = commit(false);
  levels_.pop_back();
  conf_.reset();
  original_.reset();
  return ok;
}

bool Session::finish() {
  bool ok = true;
  while (!levels_.empty()) ok = leave() && ok;
  return ok && !failed_;
}

bool Session::root_command(const std::vector<std::string>& w) {
  if (w[0] == "help" || w[0] == "ls") {
    host_.out(w[0] == "ls" ? "configure\nresource\nnode\nra\ncib\nstatus\n" : kRootHelp);
    return true;
  }
  if (w[0] == "configure" || w[0] == "resource" || w[0] == "node" || w[0] == "ra" || w[0] == "cib") return enter(w[0]);
  if (w[0] == "status") {
    if (host_.cluster_view("status", std::vector<std::string>(w.begin() + 1, w.end()))) return true;
    error("status: no cluster view available");
    return false;
  }
  error("No such command: " + w[0]);
  return false;
}

bool Session::verify(bool quiet_ok) {
  auto issues = verify_cib(conf_->cib(), schema_, host_.agents());
  bool errors = false;
  schema_failed_ = false;
  for (auto& i : issues) {
    if (i.schema) schema_failed_ = true;
    if (i.error) {
      errors = true;
      host_.err("ERROR: " + i.text + "\n");
    } else {
      warning(i.text);
    }
  }
  (void)quiet_ok;
  return !errors;
}

bool Session::commit(bool explicit_request) {
  if (!conf_ || !original_) return true;
  Cib baseline = *original_;
  sanitize(baseline.root(), true);
  auto patch = diff(baseline, conf_->cib());
  if (patch_is_empty(patch.get())) {
    if (explicit_request) info("apparently there is nothing to commit");
    return true;
  }
  const bool has_primitives = [&] {
    xmlNode* r = conf_->cib().section("resources");
    return r && !children(r).empty();
  }();
  bool ok = has_primitives ? verify(true) : verify(true);
  if (!ok) {
    if (!opts_.force || schema_failed_) {
      failed_ = true;
      host_.err(schema_failed_ ? "ERROR: configuration not committed (the CIB does not conform to its schema)\n"
                               : "ERROR: configuration not committed (verify failed; use -F to force)\n");
      if (!explicit_request) {
        // leaving the level throws the changes away, as crmsh answering "no"
        conf_.emplace(*original_);
      }
      return false;
    }
    info("commit forced");
  }
  // Another writer may have committed since we read the CIB: crmsh's patch
  // would not apply then, and neither do we overwrite it.
  try {
    const Cib current = read_current();
    if (current.version() != original_->version()) {
      error("the CIB changed since it was read (version " + original_->version().str() + ", now " +
            current.version().str() + "); nothing committed, use refresh");
      return false;
    }
  } catch (const core::Error& e) {
    error(e.what());
    return false;
  }
  Cib next = conf_->cib();
  next.set_version(original_->version());
  next.bump_epoch();
  try {
    write_current(next);
  } catch (const core::Error& e) {
    error(e.what());
    return false;
  }
  original_ = next;
  conf_.emplace(next);
  return true;
}

bool Session::load_objects(Configuration& conf, const std::string& text) {
  struct Obj {
    int line;
    std::string text;
    std::vector<std::string> words;
    std::vector<std::string> comments;  // '#' lines before it, kept as XML comments (crmsh does)
  };
  std::vector<Obj> objs;
  std::vector<std::string> comments;
  for (auto& ll : logical_lines(text)) {
    std::vector<std::string> w;
    try {
      w = split_words(ll.text);
    } catch (const core::Error& e) {
      error(std::to_string(ll.line) + ": syntax: " + e.what());
      return false;
    }
    if (w.empty()) continue;
    if (w[0].starts_with("#")) {
      std::string c = ll.text.substr(ll.text.find('#'));
      if (c.find("--") != std::string::npos) {
        error(std::to_string(ll.line) + ": a comment must not contain \"--\"");
        return false;
      }
      comments.push_back(c);
      continue;
    }
    if (!Configuration::is_object_command(w[0])) {
      error(std::to_string(ll.line) + ": " + w[0] + ": only object definitions can be loaded");
      return false;
    }
    objs.push_back({ll.line, ll.text, std::move(w), std::move(comments)});
    comments.clear();
  }
  std::stable_sort(objs.begin(), objs.end(),
                   [](const Obj& a, const Obj& b) { return load_rank(a.words[0]) < load_rank(b.words[0]); });
  for (auto& o : objs) {
    try {
      // update: a definition replaces the object of the same id
      std::string id = object_id(o.words);
      if (!id.empty() && o.words[0] != "node")
        if (xmlNode* old = find_by_id(conf.cib().configuration(), id); old && !is_reference_element(old)) {
          if (detail::is_resource_element(old)) {
            // keep members: a container's children are re-attached by the new definition
            for (xmlNode* c : children(old))
              if (detail::is_resource_element(c)) {
                xmlUnlinkNode(c);
                xmlAddChild(conf.cib().section("resources"), c);
              }
          }
          remove_node(old);
        }
      for (auto& m : conf.run(o.words, o.text, true)) {
        if (m.starts_with("WARNING: ")) warning(m.substr(9));
        else info(m);
      }
      if (!o.comments.empty()) attach_comments(conf, o.words, o.comments);
    } catch (const core::Error& e) {
      error(std::to_string(o.line) + ": " + e.what());
      return false;
    }
  }
  return true;
}

bool Session::load(const std::string& how, const std::string& text, bool xml) {
  Configuration work = *conf_;
  if (xml) {
    try {
      Cib in = Cib::parse(text, "load");
      Cib next = work.cib();
      xmlNode* conf = next.configuration();
      xmlNode* fresh = copy_node(in.configuration(), next.doc());
      xmlReplaceNode(conf, fresh);
      xmlFreeNode(conf);
      set_attr(next.root(), "validate-with", in.validate_with());
      work = Configuration(next);
    } catch (const core::Error& e) {
      error(e.what());
      return false;
    }
  } else {
    if (how == "replace") erase_configuration(work.cib(), true);
    if (!load_objects(work, text)) return false;
  }
  conf_ = std::move(work);
  return true;
}

bool Session::configure_command(const std::vector<std::string>& w, const std::string& line) {
  const std::string& verb = w[0];
  if (verb == "help" || verb == "ls") {
    host_.out(kConfigureHelp);
    return true;
  }
  if (verb == "show") {
    if (w.size() >= 2 && w[1] == "xml") host_.out(conf_->show_xml());
    else host_.out(conf_->show(std::vector<std::string>(w.begin() + 1, w.end())));
    return true;
  }
  if (verb == "verify") {
    bool ok = verify(false);
    if (!ok) failed_ = true;
    return ok;
  }
  if (verb == "commit") {
    bool force = std::find(w.begin(), w.end(), "force") != w.end();
    bool saved = opts_.force;
    opts_.force = opts_.force || force;
    bool ok = commit(true);
    opts_.force = saved;
    return ok;
  }
  if (verb == "refresh") {
    original_ = read_current();
    Cib work = *original_;
    sanitize(work.root(), true);
    conf_.emplace(std::move(work));
    return true;
  }
  if (verb == "erase") {
    erase_configuration(conf_->cib(), w.size() > 1 && w[1] == "nodes");
    return true;
  }
  if (verb == "save") {
    bool xml = w.size() > 1 && w[1] == "xml";
    if (w.size() != (xml ? 3u : 2u)) {
      error("usage: save [xml] <file>");
      return false;
    }
    const std::string data = xml ? conf_->show_xml() : conf_->show();
    if (!host_.write_file(w.back(), data)) {
      error("cannot write " + w.back());
      return false;
    }
    return true;
  }
  if (verb == "load") {
    std::size_t i = 1;
    bool xml = w.size() > i && w[i] == "xml";
    if (xml) ++i;
    if (w.size() != i + 2 || (w[i] != "replace" && w[i] != "update" && w[i] != "push")) {
      error("usage: load [xml] {replace|update|push} {<file>|-}");
      return false;
    }
    auto text = host_.read_file(w[i + 1]);
    if (!text) {
      error("cannot read " + w[i + 1]);
      return false;
    }
    return load(w[i] == "update" ? "update" : "replace", *text, xml);
  }
  if (verb == "edit") {
    auto edited = host_.edit(conf_->show());
    if (!edited) {
      error("edit: the editor failed; nothing changed");
      return false;
    }
    if (*edited == conf_->show()) return true;
    return load("replace", *edited, false);
  }
  try {
    for (auto& m : conf_->run(w, line)) {
      if (m.starts_with("WARNING: ")) warning(m.substr(9));
      else info(m);
    }
    return true;
  } catch (const core::Error& e) {
    error(e.what());
    return false;
  }
}

}  // namespace halab::shell
