// libFuzzer target: corosync.conf parser. Any input must yield diagnostics,
// never a crash, a hang or a leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "stack/config/corosync_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = halab::config::parse_corosync_conf(text, "fuzz.conf");
  for (const auto& d : r.diagnostics) (void)d.to_string();
  (void)r.conf.effective_consensus();
  (void)r.conf.effective_token_retransmit();
  return 0;
}
