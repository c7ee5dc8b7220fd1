#include "stack/core/real/file_storage.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "stack/core/error.hpp"
#include "stack/core/random.hpp"
#include "stack/core/real/real_world.hpp"
#include "tests/core/real/test_util.hpp"

namespace halab::core::real {
namespace {

using namespace std::chrono_literals;
using testing::slurp;
using testing::TempDir;
namespace fs = std::filesystem;

// Every entry under `dir`, temp files included, as relative paths.
std::vector<std::string> raw_tree(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FileStorage, RoundTrip) {
  TempDir dir;
  FileStorage s(dir.path());
  EXPECT_FALSE(s.read("cib.xml").has_value());
  s.write("cib.xml", "<cib epoch=\"1\"/>", Sync::durable);
  EXPECT_EQ(s.read_text("cib.xml"), "<cib epoch=\"1\"/>");
  EXPECT_EQ(slurp(dir / "cib.xml"), "<cib epoch=\"1\"/>");  // a plain file, readable by other tools
  s.write("cib.xml", "<cib epoch=\"2\"/>", Sync::none);
  EXPECT_EQ(s.read_text("cib.xml"), "<cib epoch=\"2\"/>");

  Bytes binary(300000);
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<std::uint8_t>(i * 7);
  s.write("blob", binary, Sync::durable);
  EXPECT_EQ(s.read("blob"), binary);
  s.write("empty", "", Sync::durable);
  EXPECT_EQ(s.read("empty"), Bytes{});
}

TEST(FileStorage, SubdirectoriesAreCreatedAndListedApart) {
  TempDir dir;
  FileStorage s(dir / "state/nested");  // the root itself is created too
  s.write("b", "2", Sync::durable);
  s.write("a", "1", Sync::none);
  s.write("pe/pe-input-2.bz2", "x", Sync::durable);
  s.write("pe/pe-input-10.bz2", "y", Sync::durable);
  s.write("pe/deep/er/file", "z", Sync::durable);
  EXPECT_EQ(s.list(""), (std::vector<std::string>{"a", "b"}));  // files only, sorted
  EXPECT_EQ(s.list("pe"), (std::vector<std::string>{"pe-input-10.bz2", "pe-input-2.bz2"}));
  EXPECT_EQ(s.list("pe/deep/er"), std::vector<std::string>{"file"});
  EXPECT_EQ(s.list("missing"), std::vector<std::string>{});
  EXPECT_EQ(s.read_text("pe/deep/er/file"), "z");
}

TEST(FileStorage, Remove) {
  TempDir dir;
  FileStorage s(dir.path());
  s.write("x", "1", Sync::durable);
  s.write("y", "2", Sync::durable);
  EXPECT_TRUE(s.remove("x", Sync::durable));
  EXPECT_FALSE(s.remove("x", Sync::durable));
  EXPECT_FALSE(s.remove("never/was", Sync::none));
  EXPECT_FALSE(s.read("x").has_value());
  EXPECT_EQ(s.list(""), std::vector<std::string>{"y"});
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(FileStorage, BadNamesAreRejectedWithTheName) {
  TempDir dir;
  FileStorage s(dir.path());
  for (std::string bad : {"", "/etc/passwd", "../escape", "a/../b", "a//b", "a/", "./a", "sp ace", "tmp#1", "x\n"}) {
    SCOPED_TRACE("name '" + bad + "'");
    try {
      s.write(bad, "data", Sync::durable);
      ADD_FAILURE() << "write accepted it";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'" + bad + "'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(s.read(bad), Error);
    EXPECT_THROW(s.remove(bad, Sync::none), Error);
  }
  EXPECT_THROW(s.list("../"), Error);
  EXPECT_FALSE(fs::exists(dir.path() + "/../escape"));
}

TEST(FileStorage, IoErrorsNameThePath) {
  TempDir dir;
  FileStorage s(dir.path());
  s.write("plain", "file", Sync::durable);
  try {
    s.write("plain/child", "x", Sync::durable);  // a file where a directory should be
    FAIL() << "write under a file succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "plain"), std::string::npos) << e.what();
    EXPECT_TRUE(e.code()) << e.what();
  }
  s.write("d/f", "x", Sync::durable);
  EXPECT_THROW(s.read("d"), Error);  // a directory is not a file
  EXPECT_THROW(s.remove("d", Sync::durable), Error);
  EXPECT_THROW(FileStorage(dir / "plain"), Error);  // the root is a file
}

TEST(FileStorage, WritesLeaveNoTemporaryFiles) {
  TempDir dir;
  FileStorage s(dir.path());
  for (int i = 0; i < 20; ++i) {
    s.write("f", std::to_string(i), i % 2 ? Sync::durable : Sync::none);
    s.write("sub/g", std::to_string(i), i % 2 ? Sync::none : Sync::durable);
  }
  EXPECT_EQ(raw_tree(dir.path()), (std::vector<std::string>{"f", "sub", "sub/g"}));
  EXPECT_EQ(s.read_text("f"), "19");
}

TEST(FileStorage, TemporaryFilesLeftByACrashAreInvisibleThenRemoved) {
  TempDir dir;
  {
    FileStorage s(dir.path());
    s.write("sub/real", "kept", Sync::durable);
  }
  { std::ofstream(dir / "#tmp.123.1") << "half a wri"; }
  { std::ofstream(dir / "sub/#tmp.123.2") << "half"; }
  FileStorage s(dir.path());
  EXPECT_EQ(raw_tree(dir.path()), (std::vector<std::string>{"sub", "sub/real"}));
  EXPECT_EQ(s.read_text("sub/real"), "kept");
}

// What storage_writer writes: a header naming the letter, sequence and
// length, then exactly that many bytes of the letter.
struct Version {
  char letter = 0;
  unsigned long long seq = 0;
};

std::optional<Version> parse_complete(const std::string& content, std::string& why) {
  Version v;
  unsigned long long n = 0;
  int header = 0;
  if (std::sscanf(content.c_str(), "halab-kill9 %c %llu %llu\n%n", &v.letter, &v.seq, &n, &header) != 3 ||
      header == 0) {
    why = "no header";
    return std::nullopt;
  }
  if (v.letter != (v.seq % 2 == 0 ? 'A' : 'B')) return why = "letter does not match the sequence", std::nullopt;
  if (content.size() != header + n)
    return why = "size " + std::to_string(content.size()) + ", header says " + std::to_string(header + n),
           std::nullopt;
  const auto other = content.find_first_not_of(v.letter, header);
  if (other != std::string::npos) return why = "foreign byte at offset " + std::to_string(other), std::nullopt;
  return v;
}

TEST(FileStorageParser, DetectsMixedAndTruncatedContent) {
  std::string why;
  const std::string good = "halab-kill9 B 3 4\nBBBB";
  EXPECT_TRUE(parse_complete(good, why)) << why;
  EXPECT_FALSE(parse_complete("halab-kill9 B 3 4\nBBB", why));
  EXPECT_FALSE(parse_complete("halab-kill9 B 3 4\nBBAB", why));
  EXPECT_FALSE(parse_complete("halab-kill9 A 3 4\nAAAA", why));
  EXPECT_FALSE(parse_complete("", why));
}

// The acceptance test: an atomic write interrupted by kill -9 leaves the old
// or the new file, never a mix. storage_writer rewrites ~1 MiB files in a
// loop; we SIGKILL it at random moments and inspect the file each time.
TEST(FileStorage, WriteInterruptedByKill9LeavesOldOrNewNeverAMix) {
  TempDir state, dir;
  RealWorld world({.node = "test", .state_dir = state.path()});
  const std::uint64_t seed = world.seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Rng rng(seed);
  const std::string file = dir / "victim";

  int iterations = 0, changed = 0, interrupted_mid_write = 0;
  unsigned long long last_seq = 0;
  for (; iterations < 50; ++iterations) {
    std::optional<ProcessResult> result;
    const ProcessId id = world.processes().spawn(
        {.argv = {STORAGE_WRITER_PROGRAM, dir.path(), "victim"}, .env = {}, .timeout = 10s},
        [&](ProcessResult r) {
          result = std::move(r);
          world.stop();
        });
    // Start the kill clock when the writer's loop starts, so that the kill
    // lands among writes however slowly the program starts.
    const Duration when = std::chrono::microseconds(rng.below(30000));
    Timer poll(world.clock()), killer(world.clock());  // cancelled when this iteration ends
    std::function<void()> wait_ready = [&, id] {
      if (!fs::exists(dir / "ready")) return poll.arm(1ms, wait_ready);
      fs::remove(dir / "ready");
      killer.arm(when, [&, id] { world.processes().kill(id, SIGKILL); });
    };
    poll.arm(1ms, wait_ready);
    world.run_for(15s);
    ASSERT_TRUE(result.has_value()) << "writer did not end";
    ASSERT_EQ(result->end, ProcessResult::End::signaled) << to_string(result->end) << " " << result->err;
    ASSERT_EQ(result->signal, SIGKILL);

    for (const auto& name : raw_tree(dir.path()))
      if (FileStorage::is_temp_name(name)) ++interrupted_mid_write;
    if (!fs::exists(file)) {
      ASSERT_EQ(last_seq, 0u) << "the file vanished after iteration " << iterations;
      continue;
    }
    std::string why;
    const auto v = parse_complete(slurp(file), why);
    ASSERT_TRUE(v.has_value()) << "iteration " << iterations << ", killed after " << format_duration(when)
                               << ": torn file: " << why;
    ASSERT_GE(v->seq, last_seq) << "went back to an older version";
    if (v->seq != last_seq) ++changed;
    last_seq = v->seq;
  }
  RecordProperty("versions_seen", changed);
  RecordProperty("kills_mid_write", interrupted_mid_write);
  // The test only means something if the writer really was writing.
  EXPECT_GE(changed, 25) << "the writer rarely got to write";
  EXPECT_GE(interrupted_mid_write, 3) << "kills rarely landed inside a write";
}

}  // namespace
}  // namespace halab::core::real
