// The I/O-free halves shared by the real programs and the simulated host/agent:
// host/request_logic.hpp (admission, execution, result bytes) and agent/answer.hpp
// (early exits, output and exit codes).
#include <gtest/gtest.h>

#include "fence-virt/agent/answer.hpp"
#include "fence-virt/host/request_logic.hpp"

namespace halab::fv {
namespace {

Key key_of(const std::string& s) {
  return Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

RequestBytes signed_request(Op op, const std::string& domain, const Key& key, std::uint32_t seqno = 7,
                            HashType h = HashType::sha256) {
  Request r;
  r.op = op;
  r.hashtype = static_cast<std::uint8_t>(h);
  r.addrlen = 4;
  r.family = kFamilyInet;
  r.domain = domain;
  r.address = {10, 0, 0, 1};
  r.port = 1229;
  r.seqno = seqno;
  sign(r, key);
  return encode(r);
}

// Records every call; vm1 runs, vm2 is off.
struct FakeBackend final : Backend {
  std::vector<std::string> calls;
  Result off(const std::string& d) override { return calls.push_back("off " + d), Result::success; }
  Result on(const std::string& d) override { return calls.push_back("on " + d), Result::success; }
  Result reboot(const std::string& d) override { return calls.push_back("reboot " + d), Result::success; }
  Result status(const std::string& d) override { return d == "vm1" ? Result::success : Result::off; }
  Result monitor() override { return Result::success; }
  bool list(std::vector<HostRecord>& out) override {
    out = {{"vm1", "11111111-1111-1111-1111-111111111111", 1}, {"vm2", "22222222-2222-2222-2222-222222222222", 5}};
    return true;
  }
};

TEST(FvRequestLogic, AdmitsSignedRequestsOnceAndRefusesTheRest) {
  const Key key = key_of("k");
  RequestLogic logic(HashType::sha256, key);
  Request req;
  const auto good = signed_request(Op::off, "vm1", key);
  EXPECT_EQ(logic.admit(good, good.size(), true, 1000, req).verdict, Admission::accepted);
  EXPECT_EQ(req.domain, "vm1");
  logic.completed(req, 1000);
  auto again = logic.admit(good, good.size(), true, 2000, req);
  EXPECT_EQ(again.verdict, Admission::duplicate);
  EXPECT_EQ(again.reason, "replayed");
  EXPECT_EQ(logic.admit(good, good.size(), true, 1000 + 11'000, req).verdict, Admission::accepted) << "window over";

  const auto wrong = signed_request(Op::off, "vm1", key_of("other"), 8);
  auto r = logic.admit(wrong, wrong.size(), true, 3000, req);
  EXPECT_EQ(r.verdict, Admission::refused);
  EXPECT_EQ(r.reason, "bad_signature");
  ASSERT_TRUE(r.shown);
  EXPECT_EQ(r.shown->domain, "vm1") << "what could be decoded, for the log";
  const auto weak = signed_request(Op::off, "vm1", key, 9, HashType::sha1);
  EXPECT_EQ(logic.admit(weak, weak.size(), true, 3000, req).reason, "hash_too_weak");
  EXPECT_EQ(logic.admit(good, 200, true, 3000, req).reason, "bad_length") << "a longer datagram, truncated on receive";
  EXPECT_EQ(logic.admit(std::span(good.data(), 100), 100, false, 3000, req).reason, "bad_length");
}

TEST(FvRequestLogic, CallbackAddressCheckedForMulticastOnly) {
  const Key key = key_of("k");
  RequestLogic logic(HashType::sha256, key);
  Request r;
  r.op = Op::status;
  r.hashtype = static_cast<std::uint8_t>(HashType::sha256);
  r.addrlen = 16;  // disagrees with AF_INET
  r.family = kFamilyInet;
  r.domain = "vm1";
  r.seqno = 3;
  sign(r, key);
  const auto bytes = encode(r);
  Request out;
  EXPECT_EQ(logic.admit(bytes, bytes.size(), true, 0, out).reason, "bad_address");
  EXPECT_EQ(logic.admit(bytes, bytes.size(), false, 0, out).verdict, Admission::accepted);
}

TEST(FvRequestLogic, ExecutesAndEncodesTheResult) {
  RequestLogic logic(HashType::sha256, key_of("k"));
  FakeBackend b;
  Request req;
  req.op = Op::off;
  req.domain = "vm2";
  Reply r = logic.execute(req, b, "10.0.0.1");
  EXPECT_EQ(b.calls, std::vector<std::string>{"off vm2"});
  EXPECT_EQ(r.bytes, std::vector<std::uint8_t>{0});
  req.op = Op::status;
  EXPECT_EQ(logic.execute(req, b, "10.0.0.1").bytes, std::vector<std::uint8_t>{2});
  req.op = Op::null;
  EXPECT_EQ(logic.execute(req, b, "10.0.0.1").bytes, std::vector<std::uint8_t>{1}) << "as fence_virtd: null fails";

  req.op = Op::hostlist;
  r = logic.execute(req, b, "10.0.0.1");
  EXPECT_EQ(r.hosts, 2u);
  ASSERT_EQ(r.bytes.size(), 1 + 3 * kHostRecordSize + 1);
  EXPECT_EQ(r.bytes.front(), 253);
  EXPECT_EQ(r.bytes.back(), 0);
  ParsedReply p;
  ASSERT_TRUE(parse_reply(r.bytes, p));
  EXPECT_TRUE(p.hostlist);
  ASSERT_EQ(p.hosts.size(), 2u);
  EXPECT_EQ(p.hosts[1].domain, "vm2");
  EXPECT_EQ(p.hosts[1].state, 5);
  EXPECT_FALSE(parse_reply(std::span(r.bytes.data(), 1 + kHostRecordSize), p)) << "cut short before the terminator";
}

TEST(FvRequestLogic, StaticMapDeniesAndFiltersTheList) {
  RequestLogic logic(HashType::sha256, key_of("k"), StaticMap({{"g", {"10.0.0.1"}, {"vm1"}, 1}}));
  FakeBackend b;
  Request req;
  req.op = Op::off;
  req.domain = "vm2";
  Reply r = logic.execute(req, b, "10.0.0.1");
  EXPECT_TRUE(r.denied);
  EXPECT_EQ(r.bytes, std::vector<std::uint8_t>{3});
  EXPECT_TRUE(b.calls.empty()) << "a denied request never reaches the backend";
  req.domain = "vm1";
  EXPECT_FALSE(logic.execute(req, b, "10.0.0.1").denied);
  EXPECT_TRUE(logic.execute(req, b, "10.0.0.9").denied) << "another requester";
  req.op = Op::hostlist;
  EXPECT_EQ(logic.execute(req, b, "10.0.0.1").hosts, 1u);
}

TEST(FvAgentAnswer, EarlyExitsAndOutputs) {
  AgentOptions o;
  std::string warn;
  OptionsResult parsed = parse_stdin_text("action=off\nnodename=n2\nbogus=1\n", o);
  auto e = agent_early_exit(parsed, o, false, warn);
  ASSERT_TRUE(e) << "off without a plug";
  EXPECT_EQ(e->rc, 1);
  EXPECT_NE(e->err.find("needs a target"), std::string::npos) << e->err;
  EXPECT_NE(e->err.find("warning"), std::string::npos) << "unknown names are warnings: " << e->err;
  o = {};
  parsed = parse_stdin_text("action=metadata\n", o);
  e = agent_early_exit(parsed, o, false, warn);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rc, 0);
  EXPECT_NE(e->out.find("<resource-agent"), std::string::npos);
  o = {};
  parsed = parse_stdin_text("action=off\nport=vm1\n", o);
  EXPECT_FALSE(agent_early_exit(parsed, o, false, warn));
  EXPECT_EQ(wire_op(o.action), Op::off);

  CallOutcome out;
  out.error = "Timed out waiting for response";
  AgentExit x = agent_exit(AgentAction::off, out);
  EXPECT_EQ(x.rc, 1);
  EXPECT_EQ(x.err, "fence_halab_virt: Timed out waiting for response\n");
  out = {};
  out.answered = true;
  out.result = Result::off;
  out.raw_result = 2;
  x = agent_exit(AgentAction::status, out);
  EXPECT_EQ(x.rc, 2);
  EXPECT_EQ(x.out, "Status: OFF\n");
  out.result = Result::denied;
  out.raw_result = 3;
  x = agent_exit(AgentAction::off, out);
  EXPECT_EQ(x.rc, 3);
  EXPECT_NE(x.err.find("permission denied"), std::string::npos);
  out = {};
  out.answered = true;
  out.raw_result = 0;
  out.result = Result::success;
  out.got_hostlist = true;
  out.hosts = {{"vm1", "u1", 1}, {"vm2", "u2", 5}};
  x = agent_exit(AgentAction::list, out);
  EXPECT_EQ(x.rc, 0);
  EXPECT_NE(x.out.find("vm1"), std::string::npos);
  EXPECT_NE(x.out.find("u2 off\n"), std::string::npos) << x.out;
}

}  // namespace
}  // namespace halab::fv
