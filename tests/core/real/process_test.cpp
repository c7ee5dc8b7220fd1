#include "stack/core/real/child_processes.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>

#include "stack/core/real/real_clock.hpp"
#include "tests/core/real/test_util.hpp"

namespace halab::core::real {
namespace {

using namespace std::chrono_literals;
using testing::process_alive;
using testing::slurp;
using testing::TempDir;

const std::vector<std::string> kEnv = {"PATH=/usr/bin:/bin", "LC_ALL=C"};

// One event loop and a ChildProcesses; run() waits (bounded) for results.
class Children : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  RealClock clock{io};
  ChildProcesses procs{io, {.output_grace = 300ms}};

  // Orphaned grandchildren come to us instead of init (which may never reap
  // them, as in some containers), so that bury() can reap them.
  static void SetUpTestSuite() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  void TearDown() override {
    // Orphans we did not know by pid (a killed shell's other children).
    if (procs.running() == 0)
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
  }
  static void bury(pid_t orphan) {
    if (orphan <= 0) return;
    ::kill(orphan, SIGKILL);
    ::waitpid(orphan, nullptr, 0);  // ECHILD at once if it is not ours
  }

  ProcessId start(ProcessSpec spec, std::optional<ProcessResult>& out) {
    if (spec.env.empty()) spec.env = kEnv;
    return procs.spawn(std::move(spec), [&out](ProcessResult r) {
      EXPECT_FALSE(out.has_value()) << "done ran twice";
      out = std::move(r);
    });
  }
  ProcessResult run(ProcessSpec spec) {
    std::optional<ProcessResult> r;
    start(std::move(spec), r);
    run_until([&] { return r.has_value(); });
    EXPECT_TRUE(r.has_value()) << "child did not finish in time";
    return r.value_or(ProcessResult{});
  }
  template <class Pred>
  void run_until(Pred done, Duration limit = 15s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
      io.restart();
      io.run_for(5ms);
    }
  }
  static pid_t read_pid(const std::string& path) {
    const std::string s = slurp(path);
    return s.empty() ? -1 : static_cast<pid_t>(std::stol(s));
  }
  // Dead processes take a moment to leave the run queue after their pipes close.
  static bool gone_soon(pid_t pid) {
    for (int i = 0; i < 200 && process_alive(pid); ++i) ::usleep(5000);
    return !process_alive(pid);
  }
};

TEST_F(Children, ExitCodes) {
  auto r = run({.argv = {"sh", "-c", "exit 3"}});
  EXPECT_EQ(r.end, ProcessResult::End::exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  r = run({.argv = {"true"}});
  EXPECT_TRUE(r.ok());
}

TEST_F(Children, DeathBySignal) {
  auto r = run({.argv = {"sh", "-c", "kill -TERM $$"}});
  EXPECT_EQ(r.end, ProcessResult::End::signaled);
  EXPECT_EQ(r.signal, SIGTERM);
}

TEST_F(Children, StdoutAndStderrAreCollectedApart) {
  auto r = run({.argv = {"sh", "-c", "echo out; echo err >&2; printf more"}});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "out\nmore");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(Children, LargeOutputIsCollectedInFull) {
  auto r = run({.argv = {"head", "-c", "3000000", "/dev/zero"}});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out.size(), 3000000u);
}

TEST_F(Children, StdinIsDeliveredThenClosed) {
  std::string data;
  for (int i = 0; i < 50000; ++i) data += std::to_string(i) + "\n";  // beyond a pipe's buffer
  auto r = run({.argv = {"cat"}, .stdin_data = data});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, data);
  // No stdin: the child reads EOF at once instead of waiting.
  r = run({.argv = {"cat"}});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "");
}

TEST_F(Children, ChildIgnoringItsStdinIsNoProblem) {
  auto r = run({.argv = {"true"}, .stdin_data = std::string(4 << 20, 'x')});
  EXPECT_TRUE(r.ok());  // and we are still alive: EPIPE, not SIGPIPE
}

TEST_F(Children, EnvironmentIsExactlyTheGivenOne) {
  auto r = run({.argv = {"/usr/bin/env"}, .env = {"A=1", "B=two words"}});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "A=1\nB=two words\n");
}

TEST_F(Children, ProgramsAreLookedUpInTheChildsPath) {
  TempDir dir;
  const std::string prog = dir / "halab-hello";
  {
    std::ofstream f(prog);
    f << "#!/bin/sh\necho hello from $0\n";
  }
  std::filesystem::permissions(prog, std::filesystem::perms::owner_all);
  auto r = run({.argv = {"halab-hello"}, .env = {"PATH=/nonexistent:" + dir.path()}});
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.out, "hello from " + prog + "\n");
}

TEST_F(Children, WorkingDirectory) {
  TempDir dir;
  auto r = run({.argv = {"pwd"}, .working_dir = dir.path()});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, std::filesystem::canonical(dir.path()).string() + "\n");
  r = run({.argv = {"pwd"}, .working_dir = dir / "missing"});
  EXPECT_EQ(r.end, ProcessResult::End::spawn_failed);
  EXPECT_NE(r.error.find(dir / "missing"), std::string::npos) << r.error;
}

TEST_F(Children, SpawnFailureIsReportedLaterWithTheReason) {
  std::optional<ProcessResult> a, b, c;
  start({.argv = {"/nonexistent/halab-agent", "start"}}, a);
  start({.argv = {"halab-no-such-program"}}, b);
  start({.argv = {}}, c);
  EXPECT_FALSE(a || b || c) << "done ran inside spawn()";
  run_until([&] { return a && b && c; });
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->end, ProcessResult::End::spawn_failed);
  EXPECT_NE(a->error.find("/nonexistent/halab-agent"), std::string::npos) << a->error;
  EXPECT_NE(a->error.find("No such file"), std::string::npos) << a->error;
  EXPECT_EQ(b->end, ProcessResult::End::spawn_failed);
  EXPECT_NE(b->error.find("halab-no-such-program"), std::string::npos) << b->error;
  EXPECT_EQ(c->end, ProcessResult::End::spawn_failed);
}

TEST_F(Children, ExecOfANonExecutableFails) {
  TempDir dir;
  { std::ofstream(dir / "data") << "not a program\n"; }
  auto r = run({.argv = {dir / "data"}});
  EXPECT_EQ(r.end, ProcessResult::End::spawn_failed);
  EXPECT_NE(r.error.find("Permission denied"), std::string::npos) << r.error;
}

// The acceptance test: a child that overruns its timeout is killed with its
// whole process group.
TEST_F(Children, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const std::string script = "echo $$ > " + (dir / "sh.pid") + "; sleep 30 & echo $! > " + (dir / "bg.pid") +
                             "; sleep 30";
  auto r = run({.argv = {"sh", "-c", script}, .timeout = 300ms});
  EXPECT_EQ(r.end, ProcessResult::End::timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.runtime, 300ms);
  const pid_t sh = read_pid(dir / "sh.pid"), bg = read_pid(dir / "bg.pid");
  ASSERT_GT(sh, 0);
  ASSERT_GT(bg, 0);
  EXPECT_FALSE(process_alive(sh)) << "the shell survived its timeout";
  EXPECT_TRUE(gone_soon(bg)) << "the shell's background child " << bg << " survived the group kill";
  bury(bg);
}

TEST_F(Children, KillSignalsTheWholeGroup) {
  TempDir dir;
  const std::string script = "sleep 30 & echo $! > " + (dir / "bg.pid") + "; wait";
  std::optional<ProcessResult> r;
  const ProcessId id = start({.argv = {"sh", "-c", script}, .timeout = 20s}, r);
  run_until([&] { return read_pid(dir / "bg.pid") > 0; });
  const pid_t bg = read_pid(dir / "bg.pid");
  ASSERT_GT(bg, 0);
  ASSERT_TRUE(process_alive(bg));
  procs.kill(id, SIGTERM);
  run_until([&] { return r.has_value(); });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->end, ProcessResult::End::signaled);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_TRUE(gone_soon(bg)) << "SIGTERM did not reach the group";
  procs.kill(id, SIGKILL);  // reaped: a no-op
  bury(bg);
}

TEST_F(Children, AGrandchildHoldingThePipesDoesNotHoldTheResult) {
  TempDir dir;
  // The background sleep inherits stdout and outlives the shell.
  const std::string script = "sleep 20 & echo $! > " + (dir / "bg.pid") + "; echo bye";
  auto r = run({.argv = {"sh", "-c", script}});
  const pid_t bg = read_pid(dir / "bg.pid");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "bye\n");
  EXPECT_TRUE(process_alive(bg)) << "the result waited for the grandchild";
  bury(bg);
}

TEST_F(Children, ManyConcurrentChildren) {
  std::vector<std::optional<ProcessResult>> r(20);
  for (int i = 0; i < 20; ++i) start({.argv = {"sh", "-c", "echo " + std::to_string(i) + "; exit " + std::to_string(i)}}, r[i]);
  EXPECT_EQ(procs.running(), 20u);
  run_until([&] { return std::all_of(r.begin(), r.end(), [](auto& x) { return x.has_value(); }); });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(r[i].has_value()) << i;
    EXPECT_EQ(r[i]->exit_code, i);
    EXPECT_EQ(r[i]->out, std::to_string(i) + "\n");
  }
  EXPECT_EQ(procs.running(), 0u);
}

TEST_F(Children, DoneMaySpawnTheNextChild) {
  std::optional<ProcessResult> second;
  procs.spawn({.argv = {"true"}, .env = kEnv}, [&](ProcessResult) { start({.argv = {"echo", "next"}}, second); });
  run_until([&] { return second.has_value(); });
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->out, "next\n");
}

TEST(ChildProcessesOptions, OutputBeyondTheCapIsReadAndDropped) {
  boost::asio::io_context io;
  ChildProcesses procs(io, {.max_output = 1000});
  std::optional<ProcessResult> r;
  procs.spawn({.argv = {"/bin/sh", "-c", "head -c 200000 /dev/zero; head -c 5000 /dev/zero >&2"}},
              [&](ProcessResult x) { r = std::move(x); });
  for (int i = 0; i < 3000 && !r; ++i) {
    io.restart();
    io.run_for(5ms);
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok());  // not blocked on a full pipe
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_EQ(r->err.size(), 1000u);
}

// Each ChildProcesses reaps only its own children, so several can share a
// process (and an io_context) without stealing each other's exit statuses.
TEST(ChildProcessesOptions, TwoInstancesEachReapTheirOwn) {
  boost::asio::io_context io;
  ChildProcesses a(io), b(io);
  std::optional<ProcessResult> ra, rb;
  a.spawn({.argv = {"/bin/sh", "-c", "exit 5"}}, [&](ProcessResult x) { ra = std::move(x); });
  b.spawn({.argv = {"/bin/sh", "-c", "sleep 0.05; exit 6"}}, [&](ProcessResult x) { rb = std::move(x); });
  for (int i = 0; i < 3000 && !(ra && rb); ++i) {
    io.restart();
    io.run_for(5ms);
  }
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->exit_code, 5);
  EXPECT_EQ(rb->exit_code, 6);
}

TEST(ChildProcessesLifetime, DoneMayDestroyTheChildProcesses) {
  boost::asio::io_context io;
  auto procs = std::make_unique<ChildProcesses>(io);
  int done = 0;
  procs->spawn({.argv = {"/bin/true"}}, [&](ProcessResult) {
    ++done;
    procs.reset();
  });
  procs->spawn({.argv = {"/bin/sh", "-c", "exec sleep 30"}}, [&](ProcessResult) { ++done; });
  for (int i = 0; i < 2000 && procs; ++i) {
    io.restart();
    io.run_for(5ms);
  }
  io.restart();
  io.run_for(20ms);
  EXPECT_FALSE(procs);
  EXPECT_EQ(done, 1);  // the sleeper was killed with its ChildProcesses, unreported
}

TEST(ChildProcessesLifetime, DestructorKillsAndReapsRunningChildren) {
  TempDir dir;
  boost::asio::io_context io;
  pid_t sh = -1;
  bool done = false;
  {
    ChildProcesses procs(io);
    procs.spawn({.argv = {"/bin/sh", "-c", "echo $$ > " + (dir / "sh.pid") + "; exec sleep 30"}},
                [&](ProcessResult) { done = true; });
    for (int i = 0; i < 1000 && slurp(dir / "sh.pid").empty(); ++i) {
      io.restart();
      io.run_for(5ms);
    }
    sh = static_cast<pid_t>(std::stol(slurp(dir / "sh.pid")));
    ASSERT_TRUE(process_alive(sh));
  }
  EXPECT_FALSE(process_alive(sh));
  EXPECT_EQ(::kill(sh, 0), -1) << "not reaped";
  io.restart();
  io.poll();
  EXPECT_FALSE(done);
}

}  // namespace
}  // namespace halab::core::real
