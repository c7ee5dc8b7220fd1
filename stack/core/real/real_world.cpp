#include "stack/core/real/real_world.hpp"

#include <sys/random.h>

#include <boost/asio/executor_work_guard.hpp>
#include <cerrno>

#include "stack/core/error.hpp"

namespace halab::core::real {

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  auto* p = reinterpret_cast<unsigned char*>(&seed);
  std::size_t got = 0;
  while (got < sizeof seed) {
    const ssize_t n = ::getrandom(p + got, sizeof seed - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot draw a random seed (getrandom)", std::error_code(errno, std::system_category()));
    }
    got += static_cast<std::size_t>(n);
  }
  return seed;
}

RealWorld::RealWorld(RealWorldOptions options)
    : node_(std::move(options.node)), seed_(options.seed ? *options.seed : random_seed()) {
  clock_ = std::make_unique<RealClock>(io_);
  network_ = std::make_unique<UdpNetwork>(io_);
  processes_ = std::make_unique<ChildProcesses>(io_, options.processes);
  storage_ = std::make_unique<FileStorage>(options.state_dir);
  logger_ = std::make_unique<Logger>(*clock_, node_);
}

RealWorld::~RealWorld() {
  stop_signals_.reset();
  logger_.reset();
  storage_.reset();
  processes_.reset();
  network_.reset();
  clock_.reset();
  io_.restart();
  io_.poll();
}

Env RealWorld::env() { return Env{*clock_, *network_, *processes_, *storage_, *logger_, node_, seed_}; }

void RealWorld::run() {
  stop_requested_ = false;
  io_.restart();
  auto busy = boost::asio::make_work_guard(io_);
  io_.run();
}

bool RealWorld::run_for(Duration d) {
  stop_requested_ = false;
  io_.restart();
  auto busy = boost::asio::make_work_guard(io_);
  io_.run_for(d);
  return stop_requested_;
}

void RealWorld::stop() {
  stop_requested_ = true;
  io_.stop();
}

}  // namespace halab::core::real

namespace halab::core::real {

void RealWorld::stop_on_signals(std::initializer_list<int> signals) {
  const bool first = !stop_signals_;
  if (first) stop_signals_ = std::make_unique<boost::asio::signal_set>(io_);
  for (int sig : signals) stop_signals_->add(sig);
  if (first) wait_for_stop_signal();
}

void RealWorld::wait_for_stop_signal() {
  stop_signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;  // cancelled: the world is going away
    stop();
    wait_for_stop_signal();  // the next run() stops on the next signal too
  });
}

}  // namespace halab::core::real
