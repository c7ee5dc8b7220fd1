#include <gtest/gtest.h>

#include "stack/cib/shadow.hpp"
#include "stack/cib/store.hpp"
#include "stack/core/error.hpp"
#include "tests/support/memory_storage.hpp"

using namespace halab;
using namespace halab::cib;

namespace {
Cib cib_with_epoch(long e) {
  Cib c = Cib::empty();
  c.set_version({0, e, 0});
  xmlNode* n = add_child(c.section("nodes"), "node");
  set_attr(n, "id", "n" + std::to_string(e));
  set_attr(n, "uname", "n" + std::to_string(e));
  return c;
}
}  // namespace

TEST(CibStore, SaveLoadAndBackups) {
  test::MemoryStorage s;
  CibStore store(s, "cib", 3);
  EXPECT_FALSE(store.load().has_value());
  for (long e = 1; e <= 6; ++e) store.save(cib_with_epoch(e));
  EXPECT_EQ(store.load()->version().epoch, 6);
  auto b = store.backups();
  ASSERT_EQ(b.size(), 3u);  // bounded
  EXPECT_EQ(store.load_backup(b.back())->version().epoch, 5);
  EXPECT_EQ(store.load_backup(b.front())->version().epoch, 3);
  EXPECT_EQ(s.read_text("cib/cib.xml.sig"), md5_hex(*s.read_text("cib/cib.xml")));
}

TEST(CibStore, CorruptFileIsDetected) {
  test::MemoryStorage s;
  CibStore store(s);
  store.save(cib_with_epoch(1));
  std::string t = *s.read_text("cib/cib.xml");
  t[t.find("n1")] = 'm';
  s.write("cib/cib.xml", t, core::Sync::durable);
  try {
    store.load();
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cib/cib.xml"), std::string::npos);
  }
}

// Kill the writer before each storage operation of a save: what is left on
// "disk" always loads, as the old or the new CIB.
TEST(CibStore, CrashAtEveryStepLeavesOldOrNew) {
  test::MemoryStorage probe;
  CibStore p(probe);
  p.save(cib_with_epoch(1));
  const int before = probe.ops();
  p.save(cib_with_epoch(2));
  const int steps = probe.ops() - before;
  ASSERT_GE(steps, 4);
  for (int k = 0; k <= steps; ++k) {
    test::MemoryStorage s;
    CibStore store(s);
    store.save(cib_with_epoch(1));
    s.crash_after(k);
    try {
      store.save(cib_with_epoch(2));
    } catch (const test::CrashNow&) {
    }
    s.crash();
    auto loaded = CibStore(s).load();
    ASSERT_TRUE(loaded.has_value()) << "step " << k;
    const long e = loaded->version().epoch;
    EXPECT_TRUE(e == 1 || e == 2) << "step " << k;
    EXPECT_EQ(loaded->to_xml(), cib_with_epoch(e).to_xml()) << "step " << k;
    if (k == steps) {
      EXPECT_EQ(e, 2);
    }
  }
}

TEST(Shadows, CreateEditDiffCommitDelete) {
  test::MemoryStorage s;
  CibStore live(s);
  live.save(cib_with_epoch(4));
  Shadows sh(s);
  sh.create("test", *live.load());
  EXPECT_THROW(sh.create("test", *live.load()), core::Error);
  Cib c = sh.read("test");
  add_child(c.section("resources"), "primitive");
  set_attr(children(c.section("resources"))[0], "id", "x");
  c.bump_epoch();
  sh.write("test", c);
  auto d = sh.diff("test", *live.load());
  EXPECT_FALSE(patch_is_empty(d.get()));
  EXPECT_EQ(sh.list(), std::vector<std::string>{"test"});
  sh.commit("test", live);
  EXPECT_NE(find_by_id(live.load()->root(), "x"), nullptr);
  EXPECT_EQ(live.load()->version().epoch, 5);
  sh.remove("test");
  EXPECT_FALSE(sh.exists("test"));
  EXPECT_THROW(sh.read("test"), core::Error);
  EXPECT_THROW(sh.create("../x", *live.load()), core::Error);
}
