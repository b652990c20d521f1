// A real redis-server for a test: started on a free loopback port in a temporary
// directory, with no persistence, and stopped (SIGTERM, then waited for) when the
// object goes. stop()/start() make a Redis restart; pause()/resume() (SIGSTOP,
// SIGCONT) make a Redis that accepts connections and never answers.
#pragma once

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ringkit/redis/options.hpp"

namespace ringkit::test {

class redis_server {
public:
    explicit redis_server(std::vector<std::string> extra_args = {})
        : dir_(make_dir()), port_(free_port()), extra_(std::move(extra_args)) {
        start();
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;
    ~redis_server() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::uint16_t port() const { return port_; }

    /// A client's options for this server, quick to give up and to retry, so a
    /// test of a Redis that is down or paused takes a fraction of a second.
    redis::options client_options(std::chrono::milliseconds timeout) const {
        redis::options o;
        o.port = port_;
        o.command_timeout = timeout;
        o.connect_timeout = timeout;
        o.reconnect_min = std::chrono::milliseconds(20);
        o.reconnect_max = std::chrono::milliseconds(100);
        return o;
    }

    /// Starts it (again, on the same port) and returns once it accepts connections.
    void start() {
        std::vector<std::string> args = {
            "redis-server", "--port",    std::to_string(port_), "--bind", "127.0.0.1",   "--dir", dir_,
            "--save",       "",          "--appendonly",        "no",     "--daemonize", "no",    "--loglevel",
            "warning",      "--logfile", dir_ + "/redis.log"};
        args.insert(args.end(), extra_.begin(), extra_.end());
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            // Never hold the test's stdout (ctest waits for it to close), and die with the test.
            const int null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 1);
            ::dup2(null, 2);
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execvp("redis-server", argv.data());
            ::_exit(127);
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!accepts()) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis-server exited at start (apt-get install redis-server)");
            }
            if (std::chrono::steady_clock::now() > until) throw std::runtime_error("redis-server did not start");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGCONT);
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    void pause() { ::kill(pid_, SIGSTOP); }
    void resume() { ::kill(pid_, SIGCONT); }

private:
    static std::string make_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "ringkit-redis-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        return pattern;
    }

    static sockaddr_in loopback(std::uint16_t port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return a;
    }

    // The kernel's pick for an ephemeral port, released for redis-server to bind.
    static std::uint16_t free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a = loopback(0);
        socklen_t len = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ::close(fd);
            throw std::runtime_error("no free port");
        }
        ::close(fd);
        return ntohs(a.sin_port);
    }

    bool accepts() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a = loopback(port_);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        return ok;
    }

    std::string dir_;
    std::uint16_t port_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
};

}  // namespace ringkit::test
