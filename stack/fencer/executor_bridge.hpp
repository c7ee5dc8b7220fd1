#pragma once
// Stonith-class resources, as the executor hands them over: a stonith:<agent>
// primitive is a fence device. start registers it (and checks it with the
// agent's monitor), stop removes it, monitor runs the agent's monitor,
// meta-data asks the agent.
#include "stack/executor/executor.hpp"
#include "stack/fencer/fencer.hpp"

namespace halab::fencer {

class FencerStonithOps final : public executor::StonithOps {
 public:
  explicit FencerStonithOps(Fencer& fencer) : fencer_(fencer) {}
  void stonith_op(const executor::ResourceDef& rsc, const executor::OpRequest& op,
                  std::function<void(executor::OpResult)> done) override;

 private:
  Fencer& fencer_;
};

}  // namespace halab::fencer
