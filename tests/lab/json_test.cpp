#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "lab/json.hpp"
#include "lab/run_record.hpp"
#include "stack/core/error.hpp"

namespace halab::lab {

TEST(Json, RoundTripsWhatItWrites) {
  Json j = Json::object();
  j["s"] = "a \"quoted\"\nline\t\\";
  j["n"] = 1234567890123.0;
  j["f"] = 0.95175498630561306;
  j["b"] = false;
  j["z"] = Json();
  Json& a = j["a"] = Json::array();
  a.push(1);
  a.push(Json::object());
  const Json back = Json::parse(j.dump(), "test");
  EXPECT_EQ(back.dump(), j.dump());
  EXPECT_EQ(back.at("s").string(), "a \"quoted\"\nline\t\\");
  EXPECT_DOUBLE_EQ(back.at("f").number(), 0.95175498630561306);
}

TEST(Json, BadInputNamesWhereAndWhat) {
  try {
    Json::parse("{\"a\": [1, 2,}", "results.jsonl:3");
    FAIL() << "parsed bad JSON";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("results.jsonl:3: offset 12"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Json::parse("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]", "deep"), core::Error);
  EXPECT_THROW(Json::parse("1 2", "trailing"), core::Error);
  EXPECT_THROW(Json::parse("\"open", "string"), core::Error);
}

RC_GTEST_PROP(Json, ArbitraryTextNeverCrashes, (const std::string& text)) {
  try {
    Json::parse(text, "prop");
  } catch (const core::Error&) {
  }
}

RC_GTEST_PROP(Json, StringsRoundTrip, (const std::string& s)) {
  Json j = Json::array();
  j.push(s);
  RC_ASSERT(Json::parse(j.dump(), "prop").items().at(0).string() == s);
}

TEST(RunRecord, RoundTripsThroughJson) {
  RunRecord r;
  r.scenario = "x";
  r.seed = 42;
  r.hash = 0xfedcba9876543210ull;  // above 2^53: must survive as a string
  r.duration_ns = 5'000'000'000;
  r.ok = false;
  r.audits = {{"state n2 up at 12s", false, "was down"}, {"reach a -> b", true, ""}};
  r.nodes = {{"n1", 0.9, {{1, 2, false, ""}, {3, 5'000'000'000, true, ""}}, 6e9, 1e9, 2}};
  r.partitions = {{10, 20, false, "{n1} | {n2}"}};
  const RunRecord b = run_record_from_json(Json::parse(to_json(r).dump(), "t"));
  EXPECT_EQ(to_json(b).dump(), to_json(r).dump());
  EXPECT_EQ(b.hash, r.hash);
  EXPECT_EQ(b.violations(), 1u);
  EXPECT_EQ(b.first_violation(), "state n2 up at 12s");
}

}  // namespace halab::lab
