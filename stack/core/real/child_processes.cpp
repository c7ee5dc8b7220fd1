#include "stack/core/real/child_processes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>

#include "stack/core/assert.hpp"
#include "stack/core/real/real_clock.hpp"

#if __has_include(<linux/close_range.h>)
#include <linux/close_range.h>
#endif

namespace halab::core::real {

namespace asio = boost::asio;

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// What the forked child reports through the CLOEXEC status pipe when it
// cannot exec; nothing arrives when exec succeeds.
struct ExecFailure {
  int stage;  // 1: chdir, 2: exec
  int err;
};

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// PATH comes from the child's environment when it has one: that is the
// environment the program is meant to run in.
std::string find_program(const std::string& name, const std::vector<std::string>& env, std::string& why) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = kDefaultPath;
  bool from_env = false;
  for (const auto& kv : env)
    if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5), from_env = true;
  if (!from_env)
    if (const char* p = std::getenv("PATH")) path = p;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  why = "program '" + name + "' not found in PATH (" + path + ")";
  return {};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct Pipe {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0], write = fds[1];
    return true;
  }
  void close() { close_fd(read), close_fd(write); }
};

// Runs in the forked child: only async-signal-safe calls from here on.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp, const char* dir, int in, int out,
                             int err, int status) {
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  const int targets[3] = {in, out, err};
  for (int fd = 0; fd < 3; ++fd) {
    if (targets[fd] == fd) ::fcntl(fd, F_SETFD, 0);  // dup2 onto itself keeps CLOEXEC
    else ::dup2(targets[fd], fd);
  }
#ifdef CLOSE_RANGE_CLOEXEC
  // Descriptors someone opened without O_CLOEXEC must not leak into agents.
  ::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
#endif
  ExecFailure failure{0, 0};
  if (dir && ::chdir(dir) != 0) {
    failure = {1, errno};
  } else {
    ::execve(path, argv, envp);
    failure = {2, errno};
  }
  [[maybe_unused]] auto n = ::write(status, &failure, sizeof failure);
  ::_exit(127);
}

}  // namespace

struct Child {
  explicit Child(asio::io_context& io) : in(io), out(io), err(io), timeout(io), grace(io) {}
  ProcessId id = 0;
  pid_t pid = -1;
  ProcessDone done;
  ProcessResult result;
  Instant started{};
  std::string stdin_data;
  asio::posix::stream_descriptor in, out, err;
  asio::steady_timer timeout, grace;
  std::vector<char> out_buf = std::vector<char>(65536), err_buf = std::vector<char>(65536);
  bool reaped = false, out_eof = false, err_eof = false, timed_out = false, finished = false;
};

struct ChildProcesses::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Options options) : io(io), options(options), sigchld(io, SIGCHLD) {}

  asio::io_context& io;
  Options options;
  asio::signal_set sigchld;
  std::map<ProcessId, std::shared_ptr<Child>> children;
  ProcessId next_id = 1;
  bool closed = false;

  void watch_sigchld() {
    sigchld.async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
      auto self = weak.lock();
      if (!self || self->closed || ec == asio::error::operation_aborted) return;
      self->reap_all();
      if (!self->closed) self->watch_sigchld();  // a done callback may have destroyed us
    });
  }

  // SIGCHLDs coalesce, so every signal checks every child still running.
  void reap_all() {
    std::vector<std::shared_ptr<Child>> live;
    for (auto& [id, c] : children)
      if (!c->reaped) live.push_back(c);
    for (auto& c : live) {
      if (closed) return;
      int status = 0;
      pid_t r;
      do r = ::waitpid(c->pid, &status, WNOHANG);
      while (r < 0 && errno == EINTR);
      if (r == c->pid) on_reaped(c, status);
    }
  }

  void on_reaped(const std::shared_ptr<Child>& c, int status) {
    c->reaped = true;
    c->timeout.cancel();
    auto& r = c->result;
    r.runtime = real_now() - c->started;
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    if (c->timed_out) {
      r.end = ProcessResult::End::timed_out;
    } else if (WIFEXITED(status)) {
      r.end = ProcessResult::End::exited;
      r.exit_code = WEXITSTATUS(status);
    } else {
      r.end = ProcessResult::End::signaled;
    }
    if (c->out_eof && c->err_eof) return finish(c);
    c->grace.expires_after(options.output_grace);
    c->grace.async_wait([weak = weak_from_this(), c](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || self->closed || ec || c->finished) return;
      self->finish(c);  // a grandchild still holds a pipe: stop waiting for it
    });
  }

  void read_output(const std::shared_ptr<Child>& c, bool is_err) {
    auto& d = is_err ? c->err : c->out;
    auto& buf = is_err ? c->err_buf : c->out_buf;
    d.async_read_some(asio::buffer(buf), [weak = weak_from_this(), c, is_err](const boost::system::error_code& ec,
                                                                             std::size_t n) {
      auto self = weak.lock();
      if (!self || self->closed || c->finished) return;
      std::string& text = is_err ? c->result.err : c->result.out;
      const auto& buf = is_err ? c->err_buf : c->out_buf;
      if (n > 0 && text.size() < self->options.max_output)
        text.append(buf.data(), std::min(n, self->options.max_output - text.size()));
      if (!ec) return self->read_output(c, is_err);
      // EOF, or a read error: either way this stream is done.
      (is_err ? c->err_eof : c->out_eof) = true;
      boost::system::error_code ignored;
      (is_err ? c->err : c->out).close(ignored);
      if (c->reaped && c->out_eof && c->err_eof) self->finish(c);
    });
  }

  void write_input(const std::shared_ptr<Child>& c) {
    if (c->stdin_data.empty()) {
      boost::system::error_code ignored;
      c->in.close(ignored);
      return;
    }
    asio::async_write(c->in, asio::buffer(c->stdin_data), [c](const boost::system::error_code&, std::size_t) {
      // Written, or the child closed its stdin (EPIPE): both end our part.
      boost::system::error_code ignored;
      c->in.close(ignored);
    });
  }

  void finish(const std::shared_ptr<Child>& c) {
    if (c->finished) return;
    c->finished = true;
    boost::system::error_code ignored;
    c->timeout.cancel();
    c->grace.cancel();
    c->in.close(ignored);
    c->out.close(ignored);
    c->err.close(ignored);
    children.erase(c->id);
    auto done = std::move(c->done);
    done(std::move(c->result));
  }

  void fail_later(ProcessId id, ProcessDone done, std::string why) {
    ProcessResult r;
    r.end = ProcessResult::End::spawn_failed;
    r.error = std::move(why);
    asio::post(io, [weak = weak_from_this(), done = std::move(done), r = std::move(r)]() mutable {
      auto self = weak.lock();
      if (!self || self->closed) return;
      done(std::move(r));
    });
  }
};

ChildProcesses::ChildProcesses(asio::io_context& io, Options options)
    : impl_(std::make_shared<Impl>(io, options)) {
  // Process-wide, once: a child that exits before reading its stdin must
  // give us EPIPE, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  impl_->watch_sigchld();
}

ChildProcesses::~ChildProcesses() {
  impl_->closed = true;
  boost::system::error_code ignored;
  impl_->sigchld.cancel(ignored);
  for (auto& [id, c] : impl_->children) {
    c->finished = true;
    if (!c->reaped) {
      ::kill(-c->pid, SIGKILL);
      while (::waitpid(c->pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    c->timeout.cancel();
    c->grace.cancel();
    c->in.close(ignored);
    c->out.close(ignored);
    c->err.close(ignored);
  }
  impl_->children.clear();
}

std::size_t ChildProcesses::running() const { return impl_->children.size(); }

ProcessId ChildProcesses::spawn(ProcessSpec spec, ProcessDone done) {
  HALAB_ASSERT_MSG(done, "spawn() needs a done callback");
  auto& impl = *impl_;
  const ProcessId id = impl.next_id++;
  if (spec.argv.empty() || spec.argv[0].empty()) {
    impl.fail_later(id, std::move(done), "empty argv");
    return id;
  }
  std::string why;
  const std::string path = find_program(spec.argv[0], spec.env, why);
  if (path.empty()) {
    impl.fail_later(id, std::move(done), why);
    return id;
  }

  // Everything the child needs is built before fork(): after it, only
  // async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (auto& a : spec.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : spec.env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const char* dir = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str();

  Pipe in, out, err, status;
  if (!in.open() || !out.open() || !err.open() || !status.open()) {
    const int e = errno;
    in.close(), out.close(), err.close(), status.close();
    impl.fail_later(id, std::move(done), "cannot create pipes for " + spec.argv[0] + ": " + std::strerror(e));
    return id;
  }
  const Instant started = real_now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    in.close(), out.close(), err.close(), status.close();
    impl.fail_later(id, std::move(done), "cannot fork for " + spec.argv[0] + ": " + std::strerror(e));
    return id;
  }
  if (pid == 0) exec_child(path.c_str(), argv.data(), envp.data(), dir, in.read, out.write, err.write, status.write);

  ::setpgid(pid, pid);  // also in the child: whichever runs first, kill(-pid) works after spawn()
  close_fd(in.read), close_fd(out.write), close_fd(err.write), close_fd(status.write);

  // The status pipe closes on a successful exec (CLOEXEC) or carries why
  // exec failed; the wait is as short as the exec itself.
  ExecFailure failure{0, 0};
  ssize_t n;
  do n = ::read(status.read, &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  close_fd(status.read);
  if (n > 0) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    in.close(), out.close(), err.close();
    why = failure.stage == 1 ? "cannot change directory to " + spec.working_dir + " for " + spec.argv[0]
                             : "cannot execute " + path;
    impl.fail_later(id, std::move(done), why + ": " + std::strerror(failure.err));
    return id;
  }

  auto c = std::make_shared<Child>(impl.io);
  c->id = id;
  c->pid = pid;
  c->done = std::move(done);
  c->started = started;
  c->stdin_data = std::move(spec.stdin_data);
  c->in.assign(in.write);
  c->out.assign(out.read);
  c->err.assign(err.read);
  c->in.non_blocking(true);
  c->out.non_blocking(true);
  c->err.non_blocking(true);
  impl.children.emplace(id, c);

  impl.write_input(c);
  impl.read_output(c, false);
  impl.read_output(c, true);
  if (spec.timeout > Duration::zero()) {
    c->timeout.expires_after(spec.timeout);
    c->timeout.async_wait([weak = impl.weak_from_this(), c](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || self->closed || ec || c->reaped) return;
      c->timed_out = true;
      ::kill(-c->pid, SIGKILL);
    });
  }
  // A child that exited before we were watching still has its SIGCHLD
  // queued in the signal_set, so nothing more is needed here.
  return id;
}

void ChildProcesses::kill(ProcessId id, int signal) {
  auto it = impl_->children.find(id);
  if (it == impl_->children.end() || it->second->reaped) return;
  ::kill(-it->second->pid, signal);
}

}  // namespace halab::core::real
