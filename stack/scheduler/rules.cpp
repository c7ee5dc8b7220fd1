#include "stack/scheduler/rules.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace halab::scheduler {

namespace {

long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

bool all_digits(const std::string& s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// "P1Y2M3DT4H5M6S" -> seconds (months as 30 days, years as 365 days).
std::optional<long long> parse_duration(const std::string& s) {
  if (s.empty() || s[0] != 'P') return std::nullopt;
  long long total = 0;
  bool in_time = false;
  long long num = 0;
  bool have = false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == 'T') { in_time = true; continue; }
    if (c >= '0' && c <= '9') { num = num * 10 + (c - '0'); have = true; continue; }
    if (!have) return std::nullopt;
    switch (c) {
      case 'Y': total += num * 365 * 86400; break;
      case 'M': total += in_time ? num * 60 : num * 30 * 86400; break;
      case 'W': total += num * 7 * 86400; break;
      case 'D': total += num * 86400; break;
      case 'H': total += num * 3600; break;
      case 'S': total += num; break;
      default: return std::nullopt;
    }
    num = 0;
    have = false;
  }
  return total;
}

bool compare_values(const std::string& lhs, const std::string& op, const std::string& rhs, const std::string& type) {
  int cmp = 0;
  bool numeric = type == "integer" || type == "number";
  if (numeric) {
    // A side that does not parse as a number falls back to comparing strings.
    char* e1 = nullptr;
    char* e2 = nullptr;
    std::strtod(lhs.c_str(), &e1);
    std::strtod(rhs.c_str(), &e2);
    if (lhs.empty() || rhs.empty() || *e1 != 0 || *e2 != 0) numeric = false;
  }
  if (type.empty()) {
    char* e1 = nullptr;
    char* e2 = nullptr;
    std::strtod(lhs.c_str(), &e1);
    std::strtod(rhs.c_str(), &e2);
    // pacemaker compares as numbers when both sides look numeric and the
    // operation is an ordering one.
    numeric = (op != "eq" && op != "ne") && e1 && *e1 == 0 && e2 && *e2 == 0 && !lhs.empty() && !rhs.empty();
  }
  if (numeric) {
    double a = std::strtod(lhs.c_str(), nullptr), b = std::strtod(rhs.c_str(), nullptr);
    cmp = a < b ? -1 : a > b ? 1 : 0;
  } else if (type == "version") {
    cmp = 0;
    size_t i = 0, j = 0;
    while ((i < lhs.size() || j < rhs.size()) && cmp == 0) {
      long a = std::strtol(lhs.c_str() + i, nullptr, 10), b = std::strtol(rhs.c_str() + j, nullptr, 10);
      cmp = a < b ? -1 : a > b ? 1 : 0;
      i = lhs.find('.', i);
      j = rhs.find('.', j);
      i = i == std::string::npos ? lhs.size() : i + 1;
      j = j == std::string::npos ? rhs.size() : j + 1;
    }
  } else {
    cmp = strcasecmp(lhs.c_str(), rhs.c_str());
    cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
  }
  if (op == "eq") return cmp == 0;
  if (op == "ne") return cmp != 0;
  if (op == "lt") return cmp < 0;
  if (op == "lte") return cmp <= 0;
  if (op == "gt") return cmp > 0;
  if (op == "gte") return cmp >= 0;
  return false;
}

bool evaluate_expression(const XmlElement& e, const RuleContext& ctx) {
  const std::string attr = e.attr_or("attribute", "");
  const std::string op = e.attr_or("operation", "");
  const std::string type = e.attr_or("type", "");
  std::optional<std::string> lhs;
  if (ctx.node) {
    auto it = ctx.node->attrs.find(attr);
    if (it != ctx.node->attrs.end()) lhs = it->second;
  }
  if (op == "defined") return lhs.has_value();
  if (op == "not_defined") return !lhs.has_value();
  auto rhs = e.attr("value");
  if (rhs && !ctx.pattern_submatches.empty()) {
    // %N: the Nth submatch of the constraint's rsc-pattern.
    std::string expanded;
    for (size_t i = 0; i < rhs->size(); ++i) {
      const char ch = (*rhs)[i];
      if (ch == '%' && i + 1 < rhs->size() && std::isdigit(static_cast<unsigned char>((*rhs)[i + 1]))) {
        const size_t k = size_t((*rhs)[++i] - '0');
        if (k < ctx.pattern_submatches.size()) expanded += ctx.pattern_submatches[k];
      } else {
        expanded += ch;
      }
    }
    rhs = expanded;
  }
  const std::string source = e.attr_or("value-source", "literal");
  if (rhs && (source == "param" || source == "meta")) {
    const auto* table = source == "param" ? ctx.rsc_params : ctx.rsc_meta;
    auto it = table ? table->find(*rhs) : decltype(table->find(*rhs)){};
    if (table && it != table->end()) rhs = it->second;
    else rhs.reset();
  }
  if (!lhs || !rhs) return op == "ne" && (lhs.has_value() != rhs.has_value());
  return compare_values(*lhs, op, *rhs, type);
}

bool in_spec_range(const std::string& spec, long long value) {
  if (spec.empty()) return true;
  auto dash = spec.find('-');
  if (dash == std::string::npos) return std::atoll(spec.c_str()) == value;
  long long lo = std::atoll(spec.substr(0, dash).c_str());
  long long hi = std::atoll(spec.substr(dash + 1).c_str());
  return value >= lo && value <= hi;
}

bool evaluate_date_spec(const XmlElement& spec, long long now) {
  std::time_t t = std::time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  struct F { const char* name; long long value; } fields[] = {
      {"years", tm.tm_year + 1900}, {"months", tm.tm_mon + 1}, {"monthdays", tm.tm_mday},
      {"hours", tm.tm_hour},        {"minutes", tm.tm_min},    {"seconds", tm.tm_sec},
      {"yeardays", tm.tm_yday + 1}, {"weekdays", tm.tm_wday == 0 ? 7 : tm.tm_wday},
  };
  for (const auto& f : fields) {
    auto v = spec.attr(f.name);
    if (v && !in_spec_range(*v, f.value)) return false;
  }
  return true;
}

bool evaluate_date_expression(const XmlElement& e, const RuleContext& ctx) {
  const std::string op = e.attr_or("operation", "in_range");
  std::optional<long long> start, end;
  if (auto v = e.attr("start")) start = parse_iso8601(*v);
  if (auto v = e.attr("end")) end = parse_iso8601(*v);
  if (op == "date_spec") {
    auto spec = e.first_child("date_spec");
    return spec ? evaluate_date_spec(spec, ctx.now) : false;
  }
  if (op == "gt") return start && ctx.now > *start;
  if (op == "lt") return end && ctx.now < *end;
  if (op == "in_range") {
    if (!end) {
      auto dur = e.first_child("duration");
      if (dur && start) {
        long long secs = 0;
        struct F { const char* n; long long mul; } fs[] = {{"years", 365 * 86400LL}, {"months", 30 * 86400LL},
                                                           {"weeks", 7 * 86400LL},   {"days", 86400},
                                                           {"hours", 3600},          {"minutes", 60},
                                                           {"seconds", 1}};
        for (auto f : fs)
          if (auto v = dur.attr(f.n)) secs += std::atoll(v->c_str()) * f.mul;
        end = *start + secs;
      }
    }
    if (start && ctx.now < *start) return false;
    if (end && ctx.now > *end) return false;
    return start || end;
  }
  return false;
}

}  // namespace

std::optional<long long> parse_iso8601(const std::string& text) {
  std::string s = text;
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() < 4 || !all_digits(s, 0, 4)) return std::nullopt;
  long long year = std::atoll(s.substr(0, 4).c_str());
  size_t i = 4;
  long long days = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (all_digits(s, i, 3) && (i + 3 == s.size() || !std::isdigit((unsigned char)s[i + 3]))) {
    // ordinal date YYYY-DDD
    long long yday = std::atoll(s.substr(i, 3).c_str());
    days = days_from_civil(year, 1, 1) + yday - 1;
    i += 3;
  } else if (all_digits(s, i, 2)) {
    unsigned month = unsigned(std::atoi(s.substr(i, 2).c_str()));
    i += 2;
    if (i < s.size() && s[i] == '-') ++i;
    unsigned day = 1;
    if (all_digits(s, i, 2)) {
      day = unsigned(std::atoi(s.substr(i, 2).c_str()));
      i += 2;
    }
    days = days_from_civil(year, month, day);
  } else if (i >= s.size()) {
    days = days_from_civil(year, 1, 1);
  } else {
    return std::nullopt;
  }
  long long secs = 0;
  if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
    ++i;
    int parts[3] = {0, 0, 0};
    for (int p = 0; p < 3 && all_digits(s, i, 2); ++p) {
      parts[p] = std::atoi(s.substr(i, 2).c_str());
      i += 2;
      if (i < s.size() && s[i] == ':') ++i;
    }
    secs = parts[0] * 3600LL + parts[1] * 60LL + parts[2];
    if (i < s.size() && s[i] == '.')
      while (i < s.size() && (s[i] == '.' || std::isdigit((unsigned char)s[i]))) ++i;
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-') && all_digits(s, i + 1, 2)) {
      int sign = s[i] == '+' ? 1 : -1;
      int oh = std::atoi(s.substr(i + 1, 2).c_str());
      size_t j = i + 3;
      if (j < s.size() && s[j] == ':') ++j;
      int om = all_digits(s, j, 2) ? std::atoi(s.substr(j, 2).c_str()) : 0;
      secs -= sign * (oh * 3600LL + om * 60LL);
    }
  }
  (void)parse_duration;
  return days * 86400 + secs;
}

bool evaluate_rule(const XmlElement& rule, const RuleContext& ctx) {
  if (auto role = rule.attr("role")) {
    Role r = parse_role(*role);
    if (r != Role::Unknown && ctx.role != Role::Unknown && r != ctx.role) return false;
  }
  const bool want_or = rule.attr_or("boolean-op", "and") == "or";
  bool any = false;
  for (const auto& child : rule.children()) {
    bool v;
    if (child.name() == "expression") v = evaluate_expression(child, ctx);
    else if (child.name() == "date_expression") v = evaluate_date_expression(child, ctx);
    else if (child.name() == "rule") v = evaluate_rule(child, ctx);
    else if (child.name() == "rsc_expression") {
      auto match = [&](const char* attr, const std::string* have) {
        auto want = child.attr(attr);
        return !want || (have && *have == *want);
      };
      v = ctx.rsc_type && match("class", ctx.rsc_class) && match("provider", ctx.rsc_provider) &&
          match("type", ctx.rsc_type);
    } else if (child.name() == "op_expression") v = false;  // no operation context here
    else continue;
    any = true;
    if (want_or && v) return true;
    if (!want_or && !v) return false;
  }
  // An empty rule is true (and-of-nothing); or-of-nothing is false.
  return want_or ? !any : true;
}

}  // namespace halab::scheduler
