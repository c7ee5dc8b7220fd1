#pragma once
// Audits: checks that watch every trace record of a run and fail it at the
// first record that breaks a property. Ground truth comes from the world's
// own records (node crashes, fencing, the modelled resources' states); what
// the stack believes comes from the `event` records it emits (docs/lab.md,
// "Records the stack emits"). A scenario declares which audits apply with
// `audit NAME key=value...` (docs/scenario-format.md).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simnet/scenario.hpp"
#include "simnet/trace.hpp"

namespace halab::simnet {

// How many copies of a resource may be active: a primitive once; a clone's
// primitive clone-max times, at most promoted-max of them promoted. From the
// scenario's `configure` block (halabd), by primitive id.
struct ResourceLimit {
  int max = 1;
  int promoted_max = 1;
};
using ResourceLimits = std::map<std::string, ResourceLimit, std::less<>>;

// A mandatory constraint of the cluster's configuration (score INFINITY),
// between primitives (a group or clone stands for its primitives), for the
// `constraints` audit. A group implies both kinds between its members.
struct MandatoryConstraint {
  enum class Kind { colocation, order } kind = Kind::colocation;
  std::string id;                          // the constraint's (or group's) id
  std::vector<std::string> dependent;      // colocation: rsc; order: then
  std::vector<std::string> required;       // colocation: with-rsc; order: first
  bool required_promoted = false;          // colocation with-rsc-role=Promoted
  bool symmetrical = true;                 // order: stops in reverse
};
using MandatoryConstraints = std::vector<MandatoryConstraint>;

struct AuditViolation {
  std::int64_t t = 0;  // simulated time at which the property broke
  std::string detail;
};

class Audit {
 public:
  explicit Audit(const Scenario::Audit& decl) : decl_(decl) {}
  virtual ~Audit() = default;
  virtual void on_record(const TraceRecord& r) = 0;
  // The run ended at `end` (checks what is still pending).
  virtual void at_end(std::int64_t end) { (void)end; }

  const Scenario::Audit& decl() const { return decl_; }
  const std::optional<AuditViolation>& violation() const { return violation_; }

 protected:
  void violate(std::int64_t t, std::string detail) {
    if (!violation_) violation_ = AuditViolation{t, std::move(detail)};
  }
  std::vector<std::string> nodes;  // names by index (set by make_audits)
  friend std::vector<std::unique_ptr<Audit>> make_audits(const Scenario& sc, const ResourceLimits& limits,
                                                         const MandatoryConstraints& constraints);

 private:
  const Scenario::Audit& decl_;
  std::optional<AuditViolation> violation_;
};

// One audit per `audit` statement (the scenario must outlive them).
// `limits`: what the cluster's configuration allows, for max-active
// statements that do not state their own bound.
// `constraints`: the configuration's mandatory constraints (the
// `constraints` audit).
std::vector<std::unique_ptr<Audit>> make_audits(const Scenario& sc, const ResourceLimits& limits = {},
                                                const MandatoryConstraints& constraints = {});

// The stack's event records: "KIND key=value key=value ...".
struct StackEvent {
  std::string_view kind;
  std::string_view text;
  explicit StackEvent(std::string_view t);
  std::string_view get(std::string_view key) const;  // "" when absent
  // A comma-separated list value ("members=n1,n2").
  std::vector<std::string_view> list(std::string_view key) const;
};

}  // namespace halab::simnet
