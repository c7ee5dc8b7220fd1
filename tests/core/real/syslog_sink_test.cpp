#include "stack/core/real/syslog_sink.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstring>

#include "stack/core/real/real_clock.hpp"

namespace halab::core::real {
namespace {

TEST(SyslogSink, LevelsMapToSyslogPriorities) {
  EXPECT_EQ(SyslogSink::priority(Level::crit), LOG_CRIT);
  EXPECT_EQ(SyslogSink::priority(Level::error), LOG_ERR);
  EXPECT_EQ(SyslogSink::priority(Level::warning), LOG_WARNING);
  EXPECT_EQ(SyslogSink::priority(Level::notice), LOG_NOTICE);
  EXPECT_EQ(SyslogSink::priority(Level::info), LOG_INFO);
  EXPECT_EQ(SyslogSink::priority(Level::debug), LOG_DEBUG);
  EXPECT_EQ(SyslogSink::priority(Level::trace), LOG_DEBUG);
}

TEST(SyslogSink, FacilitiesByCorosyncName) {
  int f = -1;
  EXPECT_TRUE(SyslogSink::parse_facility("daemon", f));
  EXPECT_EQ(f, LOG_DAEMON);
  EXPECT_TRUE(SyslogSink::parse_facility("local5", f));
  EXPECT_EQ(f, LOG_LOCAL5);
  EXPECT_FALSE(SyslogSink::parse_facility("local8", f));
  EXPECT_FALSE(SyslogSink::parse_facility("", f));
}


// What syslog(3) sends to /dev/log for one record, caught in a private mount
// namespace where /dev/log is our own socket. Runs in a forked child;
// returns the datagram, or "SKIP: why".
std::string capture_syslog_datagram() {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return "SKIP: pipe";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[0]);
    auto say = [&](const std::string& s) {
      [[maybe_unused]] auto n = ::write(pipefd[1], s.data(), s.size());
      ::_exit(0);
    };
    if (::unshare(CLONE_NEWNS) != 0) say("SKIP: unshare(CLONE_NEWNS): " + std::string(std::strerror(errno)));
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) say("SKIP: make / private");
    if (::mount("tmpfs", "/dev", "tmpfs", 0, "size=64k") != 0) say("SKIP: tmpfs on /dev");
    const int s = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, "/dev/log");
    if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) say("SKIP: bind /dev/log");
    boost::asio::io_context io;
    RealClock clock(io);
    Logger logger(clock, "node1");
    logger.add_sink(std::make_shared<SyslogSink>("halab-test"));
    Log(logger, "totem").notice("ring {} formed", 7);
    char buf[2048];
    timeval tv{2, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const ssize_t n = ::recv(s, buf, sizeof buf, 0);
    say(n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "nothing received");
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[2048];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  ::waitpid(pid, nullptr, 0);
  return out;
}

TEST(SyslogSink, WritesCorosyncStyleRecordsToDevLog) {
  const std::string got = capture_syslog_datagram();
  if (got.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << "cannot fake /dev/log here (" << got.substr(6) << ")";
  // <daemon.notice = 3*8+5> timestamp ident[pid]: [SUBSYS] message
  EXPECT_EQ(got.rfind("<29>", 0), 0u) << got;
  EXPECT_NE(got.find(" halab-test["), std::string::npos) << got;
  EXPECT_NE(got.find("]: [TOTEM] ring 7 formed"), std::string::npos) << got;
}

}  // namespace
}  // namespace halab::core::real
