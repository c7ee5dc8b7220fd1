// CIB update requests (stack/controller/request.hpp), membership records
// (node_state.hpp) and the controller's message encoding (messages.hpp).
#include <gtest/gtest.h>

#include "stack/cib/patchset.hpp"
#include "stack/controller/messages.hpp"
#include "stack/controller/node_state.hpp"
#include "stack/controller/request.hpp"
#include "stack/core/error.hpp"

using namespace halab;
using namespace halab::controller;

namespace {

const char* kPrimitive = R"(<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
  <instance_attributes id="ip-ia"><nvpair id="ip-ia-ip" name="ip" value="10.0.0.9"/></instance_attributes>
</primitive>)";

cib::Cib with_ip() {
  auto c = cib::Cib::empty();
  apply_request(c, Request{RequestOp::create, "resources", kPrimitive});
  return c;
}

}  // namespace

TEST(Request, CreateModifyDeleteAndVersionBumps) {
  auto base = cib::Cib::empty();
  auto c = base;
  apply_request(c, Request{RequestOp::create, "resources", kPrimitive});
  ASSERT_NE(cib::find_by_id(c.root(), "ip"), nullptr);
  EXPECT_EQ(c.version(), base.version());  // numbering is bump_version's job
  ASSERT_TRUE(bump_version(base, c));
  EXPECT_EQ(c.version().epoch, base.version().epoch + 1);
  EXPECT_EQ(c.version().num_updates, 0);

  auto d = c;
  apply_request(d, Request{RequestOp::modify, "", R"(<nvpair id="ip-ia-ip" value="10.0.0.10"/>)"});
  EXPECT_EQ(cib::attr_or(cib::find_by_id(d.root(), "ip-ia-ip"), "value", ""), "10.0.0.10");
  EXPECT_EQ(cib::attr_or(cib::find_by_id(d.root(), "ip-ia-ip"), "name", ""), "ip");

  auto e = d;
  apply_request(e, Request{RequestOp::remove, "resources", R"(<primitive id="ip"/>)"});
  EXPECT_EQ(cib::find_by_id(e.root(), "ip"), nullptr);
}

TEST(Request, StatusChangeBumpsNumUpdatesOnly) {
  auto base = with_ip();
  auto c = base;
  apply_request(c, Request{RequestOp::replace_section, "status",
                           R"(<status><node_state id="1" uname="n1" in_ccm="true"/></status>)"});
  ASSERT_TRUE(bump_version(base, c));
  EXPECT_EQ(c.version().epoch, base.version().epoch);
  EXPECT_EQ(c.version().num_updates, base.version().num_updates + 1);
  auto same = base;
  EXPECT_FALSE(bump_version(base, same));
}

TEST(Request, RefusalsNameWhatIsWrong) {
  auto c = with_ip();
  const auto before = c.to_xml();
  auto expect_error = [&](Request r, const std::string& needle) {
    auto copy = c;
    try {
      apply_request(copy, r);
      ADD_FAILURE() << "no error for " << to_string(r.op) << " " << r.xml;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({RequestOp::create, "resources", kPrimitive}, "id \"ip\" already exists");
  expect_error({RequestOp::remove, "", R"(<primitive id="nope"/>)"}, "no <primitive id=\"nope\">");
  expect_error({RequestOp::modify, "", R"(<primitive id="nope" type="x"/>)"}, "no <primitive id=\"nope\">");
  expect_error({RequestOp::replace_section, "resources", "<constraints/>"}, "not <resources>");
  expect_error({RequestOp::replace_section, "bogus", "<bogus/>"}, "unknown section \"bogus\"");
  expect_error({RequestOp::create, "resources", "<primitive id=\"x\""}, "request:");
  expect_error({RequestOp::modify, "", R"(<cib epoch="99"/>)"}, "version attribute epoch");
  EXPECT_EQ(c.to_xml(), before);
}

TEST(Request, PatchFromCrmMustMatchTheBaseVersion) {
  auto base = with_ip();
  base.set_version({0, 5, 2});
  auto edited = base;
  apply_request(edited, Request{RequestOp::remove, "", R"(<primitive id="ip"/>)"});
  edited.bump_epoch();
  const auto patch = cib::diff_xml(base, edited);

  auto c = base;
  apply_request(c, Request{RequestOp::apply_patch, "", patch});
  EXPECT_EQ(cib::find_by_id(c.root(), "ip"), nullptr);
  EXPECT_EQ(c.version(), base.version());

  auto moved_on = base;
  moved_on.set_version({0, 6, 0});
  try {
    apply_request(moved_on, Request{RequestOp::apply_patch, "", patch});
    FAIL() << "a patch made against 0.5.2 applied to 0.6.0";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("0.5.2"), std::string::npos) << e.what();
  }
}

TEST(NodeState, RecordsMembershipAsPacemakersController) {
  auto c = cib::Cib::empty();
  MembershipFacts f;
  f.members = {{1, "alpha"}, {2, "beta"}};
  f.known = f.members;
  f.dc = 1;
  f.quorate = true;
  f.add_nodes = true;
  record_membership(c, f);
  auto names = node_names(c);
  EXPECT_EQ(names.at(1), "alpha");
  EXPECT_EQ(names.at(2), "beta");
  auto* ns2 = cib::find_by_id(c.status(), "2");
  ASSERT_NE(ns2, nullptr);
  EXPECT_EQ(cib::attr_or(ns2, "in_ccm", ""), "true");
  EXPECT_EQ(cib::attr_or(ns2, "crmd", ""), "online");
  EXPECT_EQ(cib::attr_or(ns2, "join", ""), "member");
  EXPECT_EQ(cib::attr_or(ns2, "expected", ""), "member");
  EXPECT_EQ(cib::attr_or(c.root(), "have-quorum", ""), "1");
  EXPECT_EQ(cib::attr_or(c.root(), "dc-uuid", ""), "1");

  // beta crashes: offline, join down, still expected (so the scheduler fences it).
  f.members.erase(2);
  f.quorate = false;
  record_membership(c, f);
  EXPECT_EQ(cib::attr_or(ns2, "in_ccm", ""), "false");
  EXPECT_EQ(cib::attr_or(ns2, "crmd", ""), "offline");
  EXPECT_EQ(cib::attr_or(ns2, "join", ""), "down");
  EXPECT_EQ(cib::attr_or(ns2, "expected", ""), "member");
  EXPECT_EQ(cib::attr_or(c.root(), "have-quorum", ""), "0");
  EXPECT_EQ(cib::children(c.section("nodes"), "node").size(), 2u);
}

TEST(Messages, RoundTripAndRejectGarbage) {
  UpdateMsg u{RequestKey{Member{3, 7}, 99, 12}, 10, Request{RequestOp::create, "resources", kPrimitive}};
  auto back = decode(encode(u));
  auto* got = std::get_if<UpdateMsg>(&back);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->key, u.key);
  EXPECT_EQ(got->request.xml, u.request.xml);
  EXPECT_EQ(got->floor, 10u);
  JoinOffer o{42, {Member{1, 1}, Member{2, 5}}, {DoneEntry{Member{2, 5}, 8, 3, {5, 9}}}};
  auto ob = std::get<JoinOffer>(decode(encode(o)));
  EXPECT_EQ(ob.order, o.order);
  EXPECT_EQ(ob.done.at(0).floor, 3u);
  EXPECT_EQ(ob.done.at(0).seqs, (std::vector<std::uint64_t>{5, 9}));

  auto bytes = encode(u);
  bytes.pop_back();
  EXPECT_THROW(decode(bytes), core::Error);
  bytes = encode(u);
  bytes.push_back(0);
  EXPECT_THROW(decode(bytes), core::Error);
  bytes[1] = 77;
  EXPECT_THROW(decode(bytes), core::Error);
  EXPECT_THROW(decode(core::Bytes{}), core::Error);
}
