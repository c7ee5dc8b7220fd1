#include "lab/replay.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lab/run_record.hpp"
#include "stack/core/error.hpp"

namespace halab::lab {

namespace {
constexpr const char* kMagic = "# halab replay 1";
constexpr const char* kSeparator = "--- scenario";
}  // namespace

std::string format_replay(const ReplayFile& r) {
  std::string out = std::string(kMagic) + "\n";
  out += "version " + r.version + "\n";
  out += "seed " + std::to_string(r.seed) + "\n";
  out += "trace-hash " + hash_hex(r.hash) + "\n";
  out += "scenario-file " + r.scenario_file + "\n";
  out += "failure " + r.failure + "\n";
  for (auto& f : r.schedule) out += "fault " + f + "\n";
  out += std::string(kSeparator) + "\n";
  out += r.scenario;
  if (!r.scenario.empty() && r.scenario.back() != '\n') out += "\n";
  return out;
}

ReplayFile parse_replay(const std::string& text, const std::string& where) {
  ReplayFile r;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  bool magic = false, seed = false, hash = false;
  auto fail = [&](const std::string& what) { throw core::Error(where + ":" + std::to_string(n) + ": " + what); };
  while (std::getline(in, line)) {
    ++n;
    if (n == 1) {
      if (line != kMagic) fail("not a halab replay file (first line should be '" + std::string(kMagic) + "')");
      magic = true;
      continue;
    }
    if (line == kSeparator) {
      std::ostringstream rest;
      rest << in.rdbuf();
      r.scenario = rest.str();
      if (!seed) fail("no 'seed' line before the scenario");
      if (!hash) fail("no 'trace-hash' line before the scenario");
      return r;
    }
    const auto sp = line.find(' ');
    const std::string key = line.substr(0, sp), value = sp == std::string::npos ? "" : line.substr(sp + 1);
    char* end = nullptr;
    if (key == "version") r.version = value;
    else if (key == "seed") {
      r.seed = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end) fail("bad seed '" + value + "'");
      seed = true;
    } else if (key == "trace-hash") {
      r.hash = std::strtoull(value.c_str(), &end, 16);
      if (value.empty() || *end) fail("bad trace-hash '" + value + "'");
      hash = true;
    } else if (key == "scenario-file") r.scenario_file = value;
    else if (key == "failure") r.failure = value;
    else if (key == "fault") r.schedule.push_back(value);
    else if (!key.empty() && key[0] != '#') fail("unknown key '" + key + "'");
  }
  if (!magic) throw core::Error(where + ": empty file");
  fail("no '" + std::string(kSeparator) + "' line");
  throw core::Error(where + ": no scenario");  // not reached: fail() throws
}

void write_replay(const std::string& path, const ReplayFile& r) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << format_replay(r);
    f.flush();
    if (!f) throw core::Error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw core::Error("cannot rename " + tmp + " to " + path);
}

ReplayFile read_replay(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw core::Error("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return parse_replay(s.str(), path);
}

}  // namespace halab::lab
