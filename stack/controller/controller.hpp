#pragma once
// The controller: DC election, node join, CIB replication from the DC.
//
// One per node, a single-threaded state machine driven by its Channel (one
// CPG group of all controllers), quorum notifications and client requests.
//
// Election: the most senior member of the group is DC (election.hpp); after
// a merge every member broadcasts its claim (ClaimMsg) and the incumbent DC,
// then the longest-running member, wins (pacemaker: a rebooted node never
// takes over from the running DC).
//
// Join round, run by the DC after every view change:
//   DC  -> all  JoinOffer(id, seniority order, decided-request table)
//   all -> all  JoinReply(id, CIB version, digest, uname)
//   DC: once every member replied, the highest (admin_epoch, epoch,
//   num_updates) wins (ties: the DC's own, then the lowest member); when
//   every digest already matches nothing is sent, otherwise the holder of the
//   best CIB broadcasts it (CibFull; the DC asks a peer with SyncRequest)
//   and every member replaces its CIB with it. The DC then records node_state
//   entries, nodes, have-quorum and dc-uuid (node_state.hpp) as one commit
//   and ends the round with JoinConfirm(id, version, digest); a member whose
//   CIB differs at that point asks for a resync.
//
// Updates: submit() on any node broadcasts the request; only the DC acts on
// it (queued while a join round runs). The DC applies it to its working
// copy, checks it (schema of validate-with; quorum unless disabled), bumps
// the version (epoch for configuration, num_updates otherwise) and
// broadcasts the v2 patchset (Commit) or the reason (Refused). Every member,
// the DC included, applies commits in delivery order, persists the CIB with
// CibStore (durable) and broadcasts Applied(version). A member whose CIB is
// not at the patchset's source version asks the DC for its CIB
// (ResyncRequest -> CibFull for that member).
//
// Acknowledgement: the caller's callback gets ok once the commit is
// delivered here and every member of the current view has reported a CIB at
// least at the commit's version, i.e. it is durable on every member. A
// refusal is final (the CIB is unchanged). When the DC changes before the
// outcome is known the request is sent again to the new DC; the DCs keep a
// replicated table of the highest decided sequence number per origin, so a
// request is decided once even when several copies reach a DC.
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "stack/cib/cib.hpp"
#include "stack/cib/schema.hpp"
#include "stack/cib/store.hpp"
#include "stack/controller/channel.hpp"
#include "stack/controller/election.hpp"
#include "stack/controller/hooks.hpp"
#include "stack/controller/messages.hpp"
#include "stack/controller/node_state.hpp"
#include "stack/controller/request.hpp"
#include "stack/core/env.hpp"
#include "stack/quorum/votequorum.hpp"

namespace halab::controller {

struct ControllerOptions {
  std::string node_name;          // this node's uname (default: Env::node)
  std::string cib_dir = "cib";    // in the node's Storage
  bool validate_schema = true;    // RelaxNG check of every client update
  std::string schema_dir;         // default: SchemaValidator::default_dir()
  // Refuse client updates in a partition without quorum. With it, two
  // partitions never both commit configuration, so an acknowledged update
  // cannot be overwritten by the other side's CIB at the merge.
  bool updates_need_quorum = true;
  core::Duration send_retry = std::chrono::milliseconds(10);
  // After a view change votequorum speaks a little later; until its
  // notification matches the view, the DC holds updates (up to this long)
  // instead of refusing them for lack of quorum.
  core::Duration quorum_wait = std::chrono::seconds(5);
  // A member that has not answered the DC's join offer this long (its
  // controller hangs) is left out: the round ends without it, its node is
  // recorded join="pending", and acknowledgements stop waiting for it until
  // the next view.
  core::Duration join_timeout = std::chrono::seconds(10);
};

enum class UpdateCode : std::uint8_t {
  ok = 0,
  invalid = 1,    // the request does not apply or fails the schema; CIB unchanged
  no_quorum = 2,  // the DC's partition has no quorum; CIB unchanged
  stopped = 3,    // this controller stopped before the outcome was known
  // The DC changed while the request was in flight, it was sent again, and
  // the new DC refused it; the DC it was first sent to, still alive in
  // another partition, may have applied it. Not applied twice either way.
  in_doubt = 4,
};
const char* to_string(UpdateCode c);

struct UpdateResult {
  UpdateCode code = UpdateCode::ok;
  std::string error;
  cib::Version version;  // ok: the CIB's version once the update was in
  bool ok() const { return code == UpdateCode::ok; }
};

struct ControllerStats {
  std::uint64_t bad_messages = 0, stale_messages = 0;
  std::uint64_t join_rounds = 0, syncs = 0, resyncs_requested = 0, resyncs_served = 0;
  std::uint64_t commits_sent = 0, commits_applied = 0, refused = 0, duplicates = 0;
  std::uint64_t resends = 0, too_big = 0, persist_errors = 0;
};

class Controller {
 public:
  using Done = std::function<void(const UpdateResult&)>;

  Controller(core::Env& env, Channel& channel, ControllerOptions options, Hooks hooks = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Loads the persisted CIB (or starts from an empty one) and joins the group.
  void start();
  // Leaves the group; outstanding requests fail with UpdateCode::stopped.
  void stop();

  // From votequorum (the CRM's view of quorum).
  void on_quorum(const quorum::QuorumNotification& q);

  // Client update, from any node. `done` runs exactly once, later.
  void submit(Request request, Done done);
  // Executor results of this node (see hooks.hpp).
  void report_operation_result(const OperationResult& r);

  // Reads are local.
  const cib::Cib& cib() const { return cib_; }
  // DC: the CIB as the scheduler must see it: the local CIB with the live
  // membership (node_state of members and of nodes gone) and quorum, which a
  // partition without quorum does not write (record_membership_now).
  cib::Cib scheduler_input() const;
  // DC: the join of the current view is over (merge ranked, round done, our
  // CIB synced with the members'): the scheduler may run.
  bool join_complete() const { return election_.is_dc() && !round_active_ && synced_ && !resync_pending_; }
  cib::Version version() const { return cib_.version(); }
  bool is_dc() const { return election_.is_dc(); }
  std::optional<Member> dc() const { return election_.dc(); }
  bool quorate() const { return quorate_; }
  // This node's CIB is known to be the cluster's (join done, no resync pending).
  bool synced() const { return synced_; }
  // The DC has finished the join round of the current view.
  bool round_active() const { return round_active_; }
  const View& view() const { return view_; }
  Member self() const { return self_; }
  std::size_t outstanding() const { return outstanding_.size(); }
  const ControllerStats& stats() const { return stats_; }

 private:
  struct Outstanding {
    Request request;
    Done done;
    std::optional<Member> sent_to;
    int copies = 0;  // how many times it was sent (once per DC)
    std::optional<cib::Version> committed;  // the commit's target version, once delivered
  };
  struct Round {
    std::uint64_t id = 0;
    std::map<Member, JoinReply> replies;
    bool syncing = false;
  };

  void load_cib();
  void persist();
  void send(const Message& m);
  void flush();

  void on_view(const View& v);
  void on_deliver(const Member& from, core::ByteView data);
  void handle(const Member& from, const JoinOffer& m);
  void handle(const Member& from, const JoinReply& m);
  void handle(const Member& from, const SyncRequest& m);
  void handle(const Member& from, const CibFull& m);
  void handle(const Member& from, const JoinConfirm& m);
  void handle(const Member& from, const UpdateMsg& m);
  void handle(const Member& from, const CommitMsg& m);
  void handle(const Member& from, const RefusedMsg& m);
  void handle(const Member& from, const ResyncRequest& m);
  void handle(const Member& from, const AppliedMsg& m);
  void handle(const Member& from, const ClaimMsg& m);
  void take_over();  // we became DC
  void step_down();  // we are not DC (any more)

  // DC side.
  void start_round();
  void check_round(bool timed_out = false);
  std::vector<Member> ack_members() const;
  void finish_round();
  void process(const UpdateMsg& u);
  void drain_queue();
  bool quorum_known() const;
  void refuse(const RequestKey& key, UpdateCode code, const std::string& error);
  void commit_internal(const std::function<void(cib::Cib&)>& change);
  void record_membership_now();
  MembershipFacts membership_facts(const cib::Cib& names_from) const;
  cib::SchemaValidator& validator();

  // Member side.
  void adopt(const std::string& xml, const char* why);
  void request_resync(const std::string& why);
  void mark_done(const RequestKey& key);
  bool is_done(const RequestKey& key) const;
  void resend_outstanding();
  void check_acks();
  void schedule_applied();
  void recompute_quorum();
  void changed(bool cib, bool membership, bool quorum, bool dc, bool joined = false);

  core::Env& env_;
  core::Log log_;
  Channel& channel_;
  core::Instant started_;  // for our uptime in merge claims
  ControllerOptions opt_;
  Hooks hooks_;
  Member self_;
  cib::CibStore store_;
  cib::Cib cib_;
  std::optional<cib::Cib> working_;  // DC only: the CIB after every commit sent
  Election election_;
  View view_;
  bool open_ = false;
  bool synced_ = false;
  bool resync_pending_ = false;
  std::optional<Member> last_dc_;

  // Join.
  bool round_active_ = false;
  Round round_;
  std::optional<std::pair<Member, std::uint64_t>> offer_;  // the current DC's offer
  std::map<NodeId, std::string> names_;
  std::deque<UpdateMsg> queued_;  // DC: requests waiting for the round's end

  // Decided requests per (origin, incarnation).
  struct Decided {
    std::uint64_t floor = 0;
    std::set<std::uint64_t> seqs;  // above floor
  };
  std::map<std::pair<Member, std::uint64_t>, Decided> done_;
  // DC: decided here, commit or refusal sent, not yet delivered. Counts as
  // decided only while we stay DC (undelivered, it is not in anyone's CIB).
  std::set<RequestKey> in_flight_;
  void raise_floor(const Member& origin, std::uint64_t incarnation, std::uint64_t floor);
  std::uint64_t client_floor() const;

  // Quorum.
  std::optional<quorum::QuorumNotification> quorum_note_;
  bool quorate_ = false;
  bool quorum_wait_over_ = false;
  // We are DC and our partition had quorum the last time votequorum and the
  // view agreed (the merge claim's quorate_dc; election.hpp).
  bool quorate_dc_ = false;
  std::optional<core::Instant> dc_since_;  // DC without a break since
  std::optional<Seniority> last_claim_;    // what we claimed at the latest merge

  // Client side.
  std::uint64_t incarnation_ = 0;
  std::uint64_t next_seq_ = 0;
  std::map<std::uint64_t, Outstanding> outstanding_;
  std::map<Member, cib::Version> applied_;

  std::deque<core::Bytes> outbox_;
  core::Timer retry_timer_, applied_timer_, notify_timer_, quorum_wait_timer_, round_timer_;
  // Members the current DC's last JoinConfirm of this view included; empty:
  // no confirm since the view changed (then every member counts).
  std::vector<Member> confirmed_;
  std::optional<cib::Version> applied_sent_;
  ClusterChange pending_change_;
  bool change_pending_ = false;
  std::unique_ptr<cib::SchemaValidator> validator_;
  core::Rng rng_;
  ControllerStats stats_;
};

}  // namespace halab::controller
