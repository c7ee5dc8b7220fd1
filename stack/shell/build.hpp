#pragma once
// Internal: the pieces the configure parsers share.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stack/cib/cib.hpp"
#include "stack/shell/configure.hpp"
#include "stack/shell/ids.hpp"

namespace halab::shell::detail {

struct Words {
  const std::vector<std::string>& w;
  std::size_t i = 0;
  std::string kind;  // for messages: "primitive", "location", ...
  std::string line;

  bool done() const { return i >= w.size(); }
  const std::string& peek() const {
    static const std::string empty;
    return done() ? empty : w[i];
  }
  std::string next() { return done() ? std::string() : w[i++]; }
  bool accept(const std::string& s) {
    if (!done() && w[i] == s) {
      ++i;
      return true;
    }
    return false;
  }
  [[noreturn]] void fail(const std::string& expected) const;
};

struct Build {
  cib::Cib& cib;
  Ids ids;
  std::vector<std::string> info;
  bool loading = false;  // see Configuration::run
  explicit Build(cib::Cib& c) : cib(c), ids(c.root()) {}
  xmlNode* section(const std::string& name);  // created (appended) as crmsh does
  xmlNode* element(xmlNode* parent, const std::string& name);
};

// "k=v" split (v may be empty); nullopt when there is no '='.
std::optional<std::pair<std::string, std::string>> split_kv(const std::string& s);
bool is_keyword(const std::string& s);  // params, meta, utilization, op, ...
std::string score_value(const std::string& s);  // inf -> INFINITY, ...
// "100:" "inf:" "-inf:" "Mandatory:" ...; nullopt when `s` is not "<x>:".
std::optional<std::string> score_token(const std::string& s);
bool valid_object_id(const std::string& id);

// An attribute set after a keyword: [$id=X|$id-ref=X] k=v ...
void parse_nvset(Words& w, Build& b, xmlNode* parent, const std::string& tag, const std::string& prefix,
                 const std::string& suffix);
void add_nvpairs(Build& b, xmlNode* set, const std::vector<std::pair<std::string, std::string>>& kv);

// `rule [$id=X] [$role=R] [score:] expression [and|or expression ...]` after
// the word `rule`; generated ids are <prefix>-rule, <rule>-expression, ...
void parse_rule(Words& w, Build& b, xmlNode* parent, const std::string& prefix);

// Parsers, one per object kind.
void parse_node(Words& w, Build& b);
void parse_primitive(Words& w, Build& b, bool templ);
void parse_container(Words& w, Build& b, const std::string& kind);  // group, clone, ms
void parse_property(Words& w, Build& b, const std::string& kind);   // property, rsc_defaults, op_defaults
void parse_monitor(Words& w, Build& b);
void parse_location(Words& w, Build& b);
void parse_colocation_order(Words& w, Build& b, const std::string& kind);
void parse_ticket(Words& w, Build& b);
void parse_tag(Words& w, Build& b);
void parse_fencing(Words& w, Build& b);
void parse_acl(Words& w, Build& b, const std::string& kind);  // role, user, acl_target
void parse_alert(Words& w, Build& b);
void parse_bundle(Words& w, Build& b);
void parse_xml_object(Build& b, const std::string& line);  // `xml <element>`
// Text forms for `show`; set_text renders an attribute set after its keyword.
std::string bundle_text(const xmlNode* bundle, const std::function<std::string(const xmlNode*)>& set_text);
std::string alert_text(const xmlNode* alert, const std::function<std::string(const xmlNode*)>& set_text);  // "": none

// Edits.
void delete_objects(Build& b, const std::vector<std::string>& ids);
void rename_object(Build& b, const std::string& from, const std::string& to);
void modgroup(Words& w, Build& b);

// Helpers shared by edits and containers.
xmlNode* find_resource(const cib::Cib& c, const std::string& id);  // primitive/group/clone/master/template/bundle
bool is_resource_element(const xmlNode* n);
// Every attribute in the constraints (and tags) that references `id`.
void for_each_reference(const cib::Cib& c, const std::string& id,
                        const std::function<void(xmlNode* el, const std::string& attr)>& fn);
std::string constraint_kind(const xmlNode* n);  // "colocation" for rsc_colocation, ...

}  // namespace halab::shell::detail
