#pragma once
// Replay files: what reproduces one run bit for bit — the scenario text (as
// shrunk), the seed, the trace hash it gave, the failure it shows and the
// version of the binary that wrote it.
#include <cstdint>
#include <string>
#include <vector>

namespace halab::lab {

struct ReplayFile {
  std::string version;   // halab version that wrote it
  std::uint64_t seed = 0;
  std::uint64_t hash = 0;
  std::string failure;   // the audit that failed ("" when none)
  std::string scenario_file;  // where the scenario came from (for messages)
  std::string scenario;  // the scenario text
  // The fault schedule the run had (cts statements expanded), for the reader:
  // replaying regenerates it from the scenario and the seed.
  std::vector<std::string> schedule;
};

std::string format_replay(const ReplayFile& r);
ReplayFile parse_replay(const std::string& text, const std::string& where);  // throws core::Error
void write_replay(const std::string& path, const ReplayFile& r);
ReplayFile read_replay(const std::string& path);

}  // namespace halab::lab
