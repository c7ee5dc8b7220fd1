#pragma once
// Node: one node's messaging layer, as halabd and simnet run it.
//
// Built from a core::Env and a parsed corosync.conf (plus the authkey's
// bytes): Totem (TotemService: crypto, transports, SRP), the ring's service
// multiplexer, votequorum with its configured quorum device, cmap kept up to
// date (the config trees, runtime.members.*, runtime.votequorum.*,
// runtime.config.totem.*, runtime.totem.*) and CPG.
//
// Later layers (CIB manager, controller, executor, fencer) live in the same
// process and reach the cluster through the accessors below; they are added
// with add_service() and destroyed before the messaging layer, newest first,
// so none of them outlives what it uses.
//
// Stack code: it touches the world only through the Env, so it runs
// unchanged in simnet and in halabd. Finding this node's own addresses is the
// caller's job (halabd asks the kernel, simnet knows them).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stack/cmap/cmap.hpp"
#include "stack/cmap/standard_keys.hpp"
#include "stack/config/corosync_conf.hpp"
#include "stack/core/env.hpp"
#include "stack/cpg/cpg.hpp"
#include "stack/daemon/control_protocol.hpp"
#include "stack/quorum/device.hpp"
#include "stack/quorum/quorum_disk.hpp"
#include "stack/quorum/votequorum.hpp"
#include "stack/totem/service_mux.hpp"
#include "stack/totem/totem_service.hpp"

namespace halab::daemon {

using totem::NodeId;

struct NodeOptions {
  config::CorosyncConf conf;
  std::string conf_text;                // the file's text, as read
  core::Bytes key;                      // the authkey's bytes (empty with crypto none/none)
  std::vector<core::Ipv4> local_addrs;  // ring 0's address (and ring 1's)
  // The quorum disk's path when quorum.device.model is "disk" (simnet: a
  // MemorySharedDisk view). Must outlive the Node.
  quorum::SharedDisk* shared_disk = nullptr;
  // The node's state directory (absolute; the root of env.storage), for the
  // executor's agents (HA_RSCTMP). Empty: /var/lib/halab/<node name>.
  std::string state_dir;
};

// Why `opt` cannot make a node, or "" (no local address, node id 0,
// votequorum refusing the config, a disk device without a disk).
std::string check_node_options(const NodeOptions& opt);

using ListenerId = std::uint64_t;

class Node : public core::Service {
 public:
  using QuorumListener = std::function<void(const quorum::QuorumNotification&)>;
  using MembershipListener = std::function<void(const totem::ConfigChange&)>;

  // Throws core::Error naming what is wrong (bind failure, bad options).
  Node(core::Env& env, NodeOptions opt);
  ~Node() override;
  // A graceful stop through the first hosted component that has one (the
  // CRM's clean shutdown, as halabd's SIGTERM); false when none has.
  bool begin_clean_stop(std::function<void()> done) override;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  NodeId node_id() const { return id_; }
  const std::string& name() const { return env_.node; }
  core::Env& env() { return env_; }
  const config::CorosyncConf& conf() const { return opt_.conf; }
  std::string state_dir() const { return opt_.state_dir.empty() ? "/var/lib/halab/" + env_.node : opt_.state_dir; }

  totem::Srp& srp() { return totem_->srp(); }
  const totem::Srp& srp() const { return totem_->srp(); }
  totem::TotemService& totem() { return *totem_; }
  totem::ServiceMux& mux() { return mux_; }
  quorum::Votequorum& votequorum() { return *vq_; }
  const quorum::Votequorum& votequorum() const { return *vq_; }
  quorum::QuorumDevice* device() { return device_.get(); }
  cmap::Cmap& cmap() { return cmap_; }
  cpg::Cpg& cpg() { return *cpg_; }
  const cpg::Cpg& cpg() const { return *cpg_; }
  // A pid for an in-process CPG client (the CIB manager, the controller, ...):
  // unique within this incarnation of the node, never 0.
  std::uint32_t new_local_pid() { return next_pid_++; }

  // Quorum notifications (votequorum's view, after each membership's sync
  // and whenever quorate flips), to any number of listeners, in the order
  // they were added. The latest is available at once through last_quorum().
  ListenerId on_quorum(QuorumListener fn);
  // Regular and transitional configuration changes, after votequorum and
  // cmap have seen them.
  ListenerId on_membership(MembershipListener fn);
  void remove_listener(ListenerId id);
  const std::optional<quorum::QuorumNotification>& last_quorum() const { return last_quorum_; }

  // Hosts another in-process component (controller, CIB manager, ...).
  // Returns it; it is destroyed before the messaging layer.
  template <class S> S& add_service(std::unique_ptr<S> s) {
    S& ref = *s;
    services_.push_back(std::move(s));
    return ref;
  }

  // The first hosted component of type S, or null.
  template <class S> S* find_service() {
    for (auto& s : services_)
      if (auto* p = dynamic_cast<S*>(s.get())) return p;
    return nullptr;
  }

  // Control-socket requests for hosted components (the controller's
  // `crm status`, the bench's requests): tried in order after the node's own
  // verbs; a handler returns nullopt for requests it does not know.
  using ControlHandler = std::function<std::optional<Response>(const Request&)>;
  ListenerId add_control_handler(ControlHandler fn);
  void remove_control_handler(ListenerId id);
  std::optional<Response> handle_hosted_request(const Request& r);
  // Requests answered later (a CIB update waits for the cluster's commit):
  // a handler returns false for requests it does not know, else it owns the
  // request and calls `reply` exactly once, now or later. halabd tries these
  // before the synchronous verbs.
  using Reply = std::function<void(Response)>;
  using AsyncControlHandler = std::function<bool(const Request&, const Reply&)>;
  ListenerId add_async_control_handler(AsyncControlHandler fn);
  bool handle_async_request(const Request& r, const Reply& reply);

  // The nodelist's name for `id`, else its ring0_addr, else the id.
  std::string node_name(NodeId id) const;
  // Every ring address the nodelist (or traffic) gives `id`, ring order.
  std::vector<std::string> node_addresses(NodeId id) const;

  // Rewrites the runtime.totem.* statistics keys from the counters (the
  // tools call it before reading cmap; the ring does not call it per packet).
  void refresh_stats();

 private:
  void on_config_change(const totem::ConfigChange& cc);
  void on_quorum_changed(const quorum::QuorumNotification& q);
  void publish_runtime_config();

  core::Env& env_;
  NodeOptions opt_;
  core::Log log_;
  core::Log events_;  // the lab's records (docs/lab.md): subsystem "event"
  std::string names_of(const std::vector<NodeId>& ids) const;
  NodeId id_ = 0;
  cmap::Cmap cmap_;
  cmap::MemberAddressFn member_address_;
  totem::ServiceMux mux_;
  std::unique_ptr<quorum::Votequorum> vq_;
  std::unique_ptr<quorum::QuorumDevice> device_;
  std::unique_ptr<cpg::Cpg> cpg_;
  std::uint32_t next_pid_ = 1;
  std::unique_ptr<totem::TotemService> totem_;  // last: its callbacks use everything above
  std::optional<quorum::QuorumNotification> last_quorum_;
  ListenerId next_listener_ = 1;
  std::map<ListenerId, QuorumListener> quorum_listeners_;
  std::map<ListenerId, MembershipListener> membership_listeners_;
  std::map<ListenerId, ControlHandler> control_handlers_;
  std::map<ListenerId, AsyncControlHandler> async_control_handlers_;
  std::vector<std::unique_ptr<core::Service>> services_;
};

}  // namespace halab::daemon
