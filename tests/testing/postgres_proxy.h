// A TCP proxy between PostgreSQL clients and a server, for tests of the worst moment a connection
// can break: after the server committed a transaction, before its answer reached the client.
// Armed, it reads the server's protocol messages and, at the next CommandComplete "COMMIT",
// closes both sides instead of passing the message on. Clients must connect without SSL or GSS
// encryption (sslmode=disable&gssencmode=disable), so that the server's bytes are plain messages.
#ifndef AUTOML_TESTS_TESTING_POSTGRES_PROXY_H_
#define AUTOML_TESTS_TESTING_POSTGRES_PROXY_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace automl::testing {

class PostgresProxy {
 public:
  // Forwards 127.0.0.1:port() to 127.0.0.1:|server_port|.
  explicit PostgresProxy(int server_port) : server_port_(server_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(listener_, 16) != 0) {
      std::abort();
    }
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~PostgresProxy() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : sockets_) shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& t : pumps_) t.join();
    for (int fd : sockets_) close(fd);
  }
  PostgresProxy(const PostgresProxy&) = delete;
  PostgresProxy& operator=(const PostgresProxy&) = delete;

  int port() const { return port_; }
  // The next COMMIT's answer is dropped, with the connection it travels on.
  void DropNextCommitAnswer() { armed_ = true; }
  // How many answers were dropped so far.
  int dropped() const { return dropped_.load(); }

 private:
  void Accept() {
    while (!stopping_) {
      const int client = accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      const int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(static_cast<uint16_t>(server_port_));
      if (connect(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        close(client);
        close(server);
        continue;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      pumps_.emplace_back([client, server] { Copy(client, server); });
      pumps_.emplace_back([this, client, server] { Answer(server, client); });
    }
  }

  // Client to server: bytes as they come.
  static void Copy(int from, int to) {
    char buffer[65536];
    for (ssize_t n; (n = read(from, buffer, sizeof(buffer))) > 0;) {
      if (!WriteAll(to, buffer, static_cast<size_t>(n))) break;
    }
    shutdown(to, SHUT_RDWR);
    shutdown(from, SHUT_RDWR);
  }

  // Server to client, message by message (type byte, 4-byte big-endian length).
  void Answer(int server, int client) {
    std::vector<char> pending;
    char buffer[65536];
    for (ssize_t n; (n = read(server, buffer, sizeof(buffer))) > 0;) {
      pending.insert(pending.end(), buffer, buffer + n);
      size_t used = 0;
      while (pending.size() - used >= 5) {
        uint32_t length = 0;
        std::memcpy(&length, pending.data() + used + 1, 4);
        const size_t size = 1 + ntohl(length);
        if (pending.size() - used < size) break;
        const bool commit = pending[used] == 'C' && size >= 11 &&
                            std::memcmp(pending.data() + used + 5, "COMMIT", 6) == 0;
        if (commit && armed_.exchange(false)) {
          ++dropped_;
          shutdown(client, SHUT_RDWR);
          shutdown(server, SHUT_RDWR);
          return;
        }
        if (!WriteAll(client, pending.data() + used, size)) return;
        used += size;
      }
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
    }
    shutdown(client, SHUT_RDWR);
  }

  static bool WriteAll(int fd, const char* data, size_t size) {
    while (size > 0) {
      const ssize_t n = write(fd, data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  int server_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> armed_{false};
  std::atomic<int> dropped_{0};
  std::mutex mutex_;
  std::vector<int> sockets_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_POSTGRES_PROXY_H_
