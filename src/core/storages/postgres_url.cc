#include "core/storages/postgres_url.h"

#include <algorithm>
#include <cctype>

#include "automl/storages/postgres_storage.h"

namespace automl {
namespace internal {
namespace {

bool IsSecretKey(const std::string& key) {
  const std::string name = PercentDecode(key);
  return name == "password" || name == "sslpassword";
}

// Calls |each|(key_begin, key_end, value_begin, value_end) for every option of the query.
template <typename Each>
void ForEachOption(const std::string& url, size_t query, Each each) {
  if (query == std::string::npos) return;
  for (size_t begin = query + 1; begin <= url.size();) {
    size_t end = url.find('&', begin);
    if (end == std::string::npos) end = url.size();
    const size_t eq = url.find('=', begin);
    if (eq != std::string::npos && eq < end) each(begin, eq, eq + 1, end);
    begin = end + 1;
  }
}

}  // namespace

PostgresUrlParts SplitPostgresUrl(const std::string& url) {
  PostgresUrlParts parts;
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return parts;
  parts.userinfo_begin = scheme + 3;
  const size_t slash = url.find('/', parts.userinfo_begin);
  const size_t at = url.find('@', parts.userinfo_begin);
  if (at != std::string::npos && (slash == std::string::npos || at < slash))
    parts.userinfo_end = at;
  const size_t host =
      parts.userinfo_end == std::string::npos ? parts.userinfo_begin : parts.userinfo_end + 1;
  parts.query = url.find('?', host);
  return parts;
}

std::string PercentDecode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::string> PostgresUrlSecrets(const std::string& url) {
  std::vector<std::string> secrets;
  const auto add = [&](const std::string& secret) {
    if (secret.empty()) return;
    secrets.push_back(secret);
    secrets.push_back(PercentDecode(secret));
  };
  const PostgresUrlParts parts = SplitPostgresUrl(url);
  if (parts.userinfo_end != std::string::npos) {
    const size_t colon = url.find(':', parts.userinfo_begin);
    if (colon != std::string::npos && colon < parts.userinfo_end) {
      add(url.substr(colon + 1, parts.userinfo_end - colon - 1));
    }
  }
  ForEachOption(url, parts.query, [&](size_t kb, size_t ke, size_t vb, size_t ve) {
    if (IsSecretKey(url.substr(kb, ke - kb))) add(url.substr(vb, ve - vb));
  });
  // Longest first, so that a secret containing another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return secrets;
}

std::string WithoutSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace internal

std::string RedactPostgresUrl(const std::string& url) {
  std::string out = url;
  const internal::PostgresUrlParts parts = internal::SplitPostgresUrl(url);
  // Replaced from the end, so that earlier positions stay valid.
  std::vector<std::pair<size_t, size_t>> spans;  // [begin, end) of each secret
  if (parts.userinfo_end != std::string::npos) {
    const size_t colon = url.find(':', parts.userinfo_begin);
    if (colon != std::string::npos && colon < parts.userinfo_end) {
      spans.emplace_back(colon + 1, parts.userinfo_end);
    }
  }
  internal::ForEachOption(url, parts.query, [&](size_t kb, size_t ke, size_t vb, size_t ve) {
    if (internal::IsSecretKey(url.substr(kb, ke - kb))) spans.emplace_back(vb, ve);
  });
  std::sort(spans.rbegin(), spans.rend());
  for (const auto& [begin, end] : spans) out.replace(begin, end - begin, "***");
  return out;
}

}  // namespace automl
