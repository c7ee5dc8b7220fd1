#include "fence-virt/daemon/config.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace halab::fv {

const ConfNode* ConfNode::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

const char* to_string(ListenerKind k) {
  switch (k) {
    case ListenerKind::multicast: return "multicast";
    case ListenerKind::tcp: return "tcp";
    case ListenerKind::vsock: return "vsock";
  }
  return "unknown";
}

namespace {

struct Token {
  enum Kind { word, string, lbrace, rbrace, equals, semicolon, end } kind;
  std::string text;
  int line;
};

class Lexer {
 public:
  Lexer(const std::string& text) : s_(text) {}
  bool next(Token& t, std::string& err) {
    for (;;) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        if (s_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ < s_.size() && s_[pos_] == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
        continue;
      }
      break;
    }
    t.line = line_;
    t.text.clear();
    if (pos_ >= s_.size()) { t.kind = Token::end; return true; }
    char c = s_[pos_];
    if (c == '{') { t.kind = Token::lbrace; ++pos_; return true; }
    if (c == '}') { t.kind = Token::rbrace; ++pos_; return true; }
    if (c == '=') { t.kind = Token::equals; ++pos_; return true; }
    if (c == ';') { t.kind = Token::semicolon; ++pos_; return true; }
    if (c == '"') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\n') { err = "unterminated string"; return false; }
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        t.text.push_back(s_[pos_++]);
      }
      if (pos_ >= s_.size()) { err = "unterminated string"; return false; }
      ++pos_;
      t.kind = Token::string;
      return true;
    }
    auto is_word = [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.' || ch == '/' ||
             ch == ':' || ch == '+' || ch == '?' || ch == '&' || ch == '@';
    };
    if (!is_word(c)) {
      err = std::string("unexpected character '") + (std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : "?") + "'";
      return false;
    }
    while (pos_ < s_.size() && is_word(s_[pos_])) t.text.push_back(s_[pos_++]);
    t.kind = Token::word;
    return true;
  }
  int line() const { return line_; }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

constexpr int kMaxDepth = 16;

// block-body := { word '=' (word|string) ';' | word '{' block-body '}' }
bool parse_body(Lexer& lx, ConfNode& parent, int depth, bool top, const std::string& file, ConfError& err) {
  auto fail = [&](int line, std::string msg) {
    err = ConfError{file, line, std::move(msg)};
    return false;
  };
  for (;;) {
    Token t;
    std::string lerr;
    if (!lx.next(t, lerr)) return fail(lx.line(), lerr);
    if (t.kind == Token::end) return top ? true : fail(t.line, "missing '}' at end of file (block '" + parent.name + "' opened at line " + std::to_string(parent.line) + ")");
    if (t.kind == Token::rbrace) return top ? fail(t.line, "unexpected '}'") : true;
    if (t.kind != Token::word) return fail(t.line, "expected a name");
    ConfNode node;
    node.name = t.text;
    node.line = t.line;
    Token op;
    if (!lx.next(op, lerr)) return fail(lx.line(), lerr);
    if (op.kind == Token::equals) {
      Token v;
      if (!lx.next(v, lerr)) return fail(lx.line(), lerr);
      if (v.kind != Token::word && v.kind != Token::string) return fail(v.line, "expected a value after '" + node.name + " ='");
      node.value = v.text;
      Token semi;
      if (!lx.next(semi, lerr)) return fail(lx.line(), lerr);
      if (semi.kind != Token::semicolon) return fail(semi.line, "expected ';' after value of '" + node.name + "'");
    } else if (op.kind == Token::lbrace) {
      if (depth >= kMaxDepth) return fail(op.line, "blocks nested too deeply");
      if (!parse_body(lx, node, depth + 1, false, file, err)) return false;
    } else {
      return fail(op.line, "expected '=' or '{' after '" + node.name + "'");
    }
    parent.children.push_back(std::move(node));
  }
}

bool parse_port(const ConfNode& n, std::uint16_t& out) {
  const std::string& v = *n.value;
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
  if (ec != std::errc() || ptr != v.data() + v.size() || p == 0 || p > 65535) return false;
  out = static_cast<std::uint16_t>(p);
  return true;
}

bool is_true(const std::string& v) { return v == "1" || v == "yes" || v == "true" || v == "on"; }

}  // namespace

bool parse_conf_text(const std::string& text, const std::string& file, ConfNode& root, ConfError& err) {
  root = ConfNode{};
  root.name = "";
  Lexer lx(text);
  return parse_body(lx, root, 0, true, file, err);
}

bool daemon_config_from_tree(const ConfNode& root, const std::string& file, DaemonConfig& out, ConfError& err) {
  out.file = file;
  auto fail = [&](const ConfNode& n, std::string msg) {
    err = ConfError{file, n.line, std::move(msg)};
    return false;
  };
  auto warn = [&](const ConfNode& n, const std::string& where) {
    out.warnings.push_back(file + ":" + std::to_string(n.line) + ": unknown " + (n.value ? "key" : "block") + " '" + where + n.name + "' ignored");
  };
  auto need_value = [&](const ConfNode& n, const std::string& where) {
    if (n.value) return true;
    err = ConfError{file, n.line, "'" + where + n.name + "' must be a value (name = \"...\";), not a block"};
    return false;
  };

  std::string listener_name = "multicast";
  const ConfNode* top = root.child("fence_virtd");
  if (!top) {
    err = ConfError{file, 1, "no 'fence_virtd { ... }' block"};
    return false;
  }
  if (top->value) return fail(*top, "'fence_virtd' must be a block");
  for (const auto& n : top->children) {
    const std::string w = "fence_virtd/";
    if (n.name == "listener") {
      if (!need_value(n, w)) return false;
      listener_name = *n.value;
    } else if (n.name == "backend") {
      if (!need_value(n, w)) return false;
      out.backend = *n.value;
    } else if (n.name == "module_path") {
      if (!need_value(n, w)) return false;
      out.module_path = *n.value;
    } else if (n.name == "foreground") {
      if (!need_value(n, w)) return false;
      out.foreground = is_true(*n.value);
    } else if (n.name == "debug") {
      if (!need_value(n, w)) return false;
      int d = 0;
      auto [p, ec] = std::from_chars(n.value->data(), n.value->data() + n.value->size(), d);
      if (ec != std::errc() || p != n.value->data() + n.value->size() || d < 0) return fail(n, "fence_virtd/debug: '" + *n.value + "' is not a non-negative number");
      out.debug = d;
    } else if (n.name == "wait_for_init") {
      // accepted; halab initialises synchronously before serving anyway
    } else {
      warn(n, w);
    }
  }

  ListenerConfig& lc = out.listener;
  if (listener_name == "multicast") lc.kind = ListenerKind::multicast;
  else if (listener_name == "tcp") lc.kind = ListenerKind::tcp;
  else if (listener_name == "vsock") lc.kind = ListenerKind::vsock;
  else if (listener_name == "serial") return fail(*top->child("listener"), "listener 'serial' is not supported by halab-fence-virtd (use multicast, tcp or vsock)");
  else return fail(*top->child("listener"), "unknown listener '" + listener_name + "' (multicast, tcp or vsock)");
  if (out.backend == "cpg") return fail(*top->child("backend"), "backend 'cpg' is not supported by halab-fence-virtd (use libvirt)");
  if (out.backend != "libvirt") return fail(*top->child("backend"), "unknown backend '" + out.backend + "' (libvirt)");

  bool address_set = false;
  if (const ConfNode* ls = root.child("listeners")) {
    if (const ConfNode* l = ls->child(listener_name)) {
      const std::string w = "listeners/" + listener_name + "/";
      for (const auto& n : l->children) {
        if (!need_value(n, w)) return false;
        const std::string& v = *n.value;
        if (n.name == "key_file") lc.key_file = v;
        else if (n.name == "hash") {
          if (!parse_hash(v, lc.hash)) return fail(n, w + "hash: unknown hash '" + v + "' (none, sha1, sha256, sha512)");
        } else if (n.name == "auth") {
          if (!parse_hash(v, lc.auth)) return fail(n, w + "auth: unknown algorithm '" + v + "' (none, sha1, sha256, sha512)");
        } else if (n.name == "family") {
          if (v == "ipv4") lc.ipv6 = false;
          else if (v == "ipv6") lc.ipv6 = true;
          else return fail(n, w + "family: '" + v + "' is not ipv4 or ipv6");
        } else if (n.name == "address") { lc.address = v; address_set = true; }
        else if (n.name == "port") {
          if (!parse_port(n, lc.port)) return fail(n, w + "port: '" + v + "' is not a port number (1-65535)");
        } else if (n.name == "interface" && lc.kind == ListenerKind::multicast) lc.interface = v;
        else warn(n, w);
      }
    }
  }
  if (!address_set) {
    if (lc.kind == ListenerKind::multicast) lc.address = lc.ipv6 ? "ff05::3:1" : "225.0.0.12";
    else if (lc.kind == ListenerKind::tcp) lc.address = lc.ipv6 ? "::1" : "127.0.0.1";
  }

  if (const ConfNode* bs = root.child("backends")) {
    if (const ConfNode* b = bs->child(out.backend)) {
      std::vector<std::string> uris;
      for (const auto& n : b->children) {
        const std::string w = "backends/" + out.backend + "/";
        if (!need_value(n, w)) return false;
        if (n.name.rfind("uri", 0) == 0) uris.push_back(*n.value);
        else warn(n, w);
      }
      if (!uris.empty()) out.uris = uris;
    }
  }
  if (const ConfNode* gs = root.child("groups")) {
    for (const auto& g : gs->children) {
      if (g.name != "group" || g.value) {
        warn(g, "groups/");
        continue;
      }
      StaticGroup grp;
      grp.line = g.line;
      for (const auto& n : g.children) {
        if (!need_value(n, "groups/group/")) return false;
        if (n.name == "name") grp.name = *n.value;
        else if (n.name == "ip") grp.sources.push_back(*n.value);
        else if (n.name == "uuid") grp.targets.push_back(*n.value);
        else warn(n, "groups/group/");
      }
      if (grp.sources.empty() || grp.targets.empty())
        out.warnings.push_back(file + ":" + std::to_string(g.line) + ": group '" + grp.name +
                               "' has no ip or no uuid entry: it allows nothing");
      out.groups.push_back(std::move(grp));
    }
  }
  for (const auto& n : root.children)
    if (n.name != "fence_virtd" && n.name != "listeners" && n.name != "backends" && n.name != "groups") warn(n, "");
  return true;
}

bool load_daemon_config(const std::string& path, DaemonConfig& out, ConfError& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = ConfError{path, 0, "cannot open configuration file"};
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  ConfNode root;
  if (!parse_conf_text(ss.str(), path, root, err)) return false;
  return daemon_config_from_tree(root, path, out, err);
}

}  // namespace halab::fv
