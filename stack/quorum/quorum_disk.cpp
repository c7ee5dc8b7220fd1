#include "stack/quorum/quorum_disk.hpp"

#include <fmt/format.h>

#include <charconv>

namespace halab::quorum {

class MemorySharedDisk::View : public SharedDisk {
 public:
  View(MemorySharedDisk& disk, NodeId node) : disk_(disk), node_(node) {}
  std::error_code write_slot(NodeId slot, core::ByteView data) override {
    if (disk_.cut_[node_]) return std::make_error_code(std::errc::io_error);
    disk_.slots_[slot] = core::Bytes(data.begin(), data.end());
    ++disk_.writes_;
    return {};
  }
  std::optional<core::Bytes> read_slot(NodeId slot) override {
    if (disk_.cut_[node_]) return std::nullopt;
    auto it = disk_.slots_.find(slot);
    if (it == disk_.slots_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<NodeId> slots() override {
    std::vector<NodeId> v;
    if (disk_.cut_[node_]) return v;
    for (const auto& [id, _] : disk_.slots_) v.push_back(id);
    return v;
  }

 private:
  MemorySharedDisk& disk_;
  NodeId node_;
};

MemorySharedDisk::MemorySharedDisk() = default;
MemorySharedDisk::~MemorySharedDisk() = default;

SharedDisk& MemorySharedDisk::view(NodeId node) {
  auto& v = views_[node];
  if (!v) v = std::make_unique<View>(*this, node);
  return *v;
}

namespace {

constexpr std::uint8_t kSlotMagic[4] = {'Q', 'D', 'S', 'K'};
constexpr std::uint8_t kSlotVersion = 1;
constexpr std::size_t kSlotSize = 4 + 1 + 4 + 8 + 4 + 4;

std::uint32_t fnv1a(core::ByteView d) {
  std::uint32_t h = 2166136261u;
  for (auto b : d) h = (h ^ b) * 16777619u;
  return h;
}
void put32(core::Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}
std::uint32_t get32(core::ByteView d, std::size_t at) {
  return (std::uint32_t(d[at]) << 24) | (std::uint32_t(d[at + 1]) << 16) | (std::uint32_t(d[at + 2]) << 8) | d[at + 3];
}

}  // namespace

core::Bytes encode_slot(const DiskSlot& s) {
  core::Bytes b(kSlotMagic, kSlotMagic + 4);
  b.push_back(kSlotVersion);
  put32(b, s.node);
  put32(b, std::uint32_t(s.seq >> 32));
  put32(b, std::uint32_t(s.seq));
  put32(b, s.master);
  put32(b, fnv1a(b));
  return b;
}

std::optional<DiskSlot> decode_slot(core::ByteView d, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<DiskSlot> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (d.size() != kSlotSize) return fail(fmt::format("slot is {} bytes, expected {}", d.size(), kSlotSize));
  if (!std::equal(kSlotMagic, kSlotMagic + 4, d.begin())) return fail("bad slot magic");
  if (d[4] != kSlotVersion) return fail(fmt::format("unsupported slot version {}", d[4]));
  if (get32(d, kSlotSize - 4) != fnv1a(d.first(kSlotSize - 4))) return fail("slot checksum mismatch");
  DiskSlot s;
  s.node = get32(d, 5);
  s.seq = (std::uint64_t(get32(d, 9)) << 32) | get32(d, 13);
  s.master = get32(d, 17);
  if (s.node == 0) return fail("slot written by node id 0");
  return s;
}

std::string disk_options(const config::QuorumDeviceConf& conf, DiskOptions& out) {
  DiskOptions o;
  for (const auto& [key, value] : conf.model_options) {
    if (key == "interval") {
      core::Duration d{};
      if (!core::parse_duration(value, d) || d <= core::Duration::zero())
        return fmt::format("quorum.device.disk.interval: '{}' is not a duration", value);
      o.interval = d;
    } else if (key == "tko") {
      int v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size() || v < 2 || v > 1000)
        return fmt::format("quorum.device.disk.tko: '{}' is not a number from 2 to 1000", value);
      o.tko = v;
    } else if (key == "path") {
      if (value.empty()) return "quorum.device.disk.path: empty";
      o.path = value;
    } else {
      return fmt::format("quorum.device.disk.{}: unknown key", key);
    }
  }
  out = o;
  return {};
}

QuorumDisk::QuorumDisk(core::Clock& clock, core::Logger& logger, SharedDisk& disk, NodeId self, DiskOptions opt)
    : clock_(clock), log_(logger, "qdevice-disk"), disk_(disk), self_(self), opt_(opt), timer_(clock) {}

void QuorumDisk::start() { timer_.arm(core::Duration::zero(), [this] { cycle(); }); }

void QuorumDisk::set_membership(const std::vector<NodeId>& members, const RingId& ring) {
  members_ = std::set<NodeId>(members.begin(), members.end());
  const bool ring_changed = ring != ring_;
  ring_ = ring;
  const bool cast_before = cast_, alive_before = alive_;
  update();  // reports a changed decision
  // The same "cast" for a new ring is news too: votequorum counts it per ring.
  if (ring_changed && cast_ && cast_before == cast_ && alive_before == alive_ && on_change) on_change();
}

bool QuorumDisk::slot_live(NodeId id) const {
  const auto window = opt_.interval * opt_.tko;
  const auto now = clock_.now();
  if (id == self_) return wrote_ && now - last_write_ < window;
  auto it = seen_.find(id);
  return it != seen_.end() && now - it->second.changed < window;
}

std::vector<NodeId> QuorumDisk::live_nodes() const {
  std::set<NodeId> ids;
  for (const auto& [id, _] : seen_) ids.insert(id);
  ids.insert(self_);
  std::vector<NodeId> v;
  for (NodeId id : ids)
    if (slot_live(id)) v.push_back(id);
  return v;
}

void QuorumDisk::cycle() {
  ++seq_;
  if (auto ec = disk_.write_slot(self_, encode_slot(DiskSlot{self_, seq_, master_}))) {
    log_.warning("cannot write slot {}: {}", self_, ec.message());
    watching_since_.reset();
  } else {
    wrote_ = true;
    last_write_ = clock_.now();
    if (!watching_since_) watching_since_ = last_write_;
  }
  for (NodeId id : disk_.slots()) {
    if (id == self_) continue;
    auto bytes = disk_.read_slot(id);
    if (!bytes) continue;
    std::string why;
    auto slot = decode_slot(*bytes, &why);
    if (!slot || slot->node != id) {
      ++bad_slots_;
      log_.warning("slot {} unreadable: {}", id, slot ? "written by node " + std::to_string(slot->node) : why);
      continue;
    }
    auto [it, fresh] = seen_.try_emplace(id, Seen{slot->seq, clock_.now()});
    if (!fresh && it->second.seq != slot->seq) it->second = Seen{slot->seq, clock_.now()};
  }
  update();
  timer_.arm(opt_.interval, [this] { cycle(); });
}

void QuorumDisk::update() {
  const auto live = live_nodes();
  const NodeId master = live.empty() ? 0 : live.front();
  if (master != master_) log_.notice("disk master is now node {}", master);
  master_ = master;
  const bool alive = slot_live(self_);
  const bool settled = watching_since_ && clock_.now() - *watching_since_ >= opt_.interval * opt_.tko;
  const bool cast = alive && settled && master_ != 0 && members_.count(master_) > 0;
  if (alive == alive_ && cast == cast_) return;
  alive_ = alive;
  cast_ = cast;
  if (on_change) on_change();
}

}  // namespace halab::quorum
