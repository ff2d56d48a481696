// otlp-receiver: a tiny OTLP/HTTP JSON trace receiver for tests.
//   POST /v1/traces          store spans (ExportTraceServiceRequest JSON)
//   GET  /spans?trace_id=HEX JSON list of stored spans of that trace (all if omitted)
//   GET  /healthz            200
// Flags: --address, --port (0 = free port), --port_file (the bound port is written there).
// Runs until SIGTERM or SIGINT.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "libs/config/flags.h"
#include "libs/http/server.h"
#include "tools/otlp-receiver/span_store.h"

int main(int argc, char** argv) {
  std::string address = "127.0.0.1";
  int64_t port = 4318;
  std::string port_file;
  fleet::config::FlagSet flags("otlp-receiver");
  flags.String("address", &address, "listen address");
  flags.Int("port", &port, "listen port (0 = pick a free port)");
  flags.String("port_file", &port_file, "if set, write the bound port to this file");
  flags.ParseOrExit(argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server threads start

  fleet::otlp_receiver::SpanStore store;
  namespace http = fleet::http;
  http::ServerOptions options{.address = address,
                              .port = static_cast<int>(port),
                              .threads = 2,
                              .max_body_bytes = 16 << 20};  // large OTLP batches
  auto server = http::Server::Start(options, [&store](const http::Request& req) -> http::Response {
    if (req.path == "/v1/traces" && req.method == "POST") {
      absl::Status s = store.AddOtlpJson(req.body);
      if (!s.ok()) return {400, "text/plain", {}, std::string(s.message())};
      return {200, "application/json", {}, "{}"};
    }
    if (req.path == "/spans" && req.method == "GET") {
      return {200, "application/json", {}, store.SpansJson(req.QueryParam("trace_id"))};
    }
    if (req.path == "/healthz") return {200, "text/plain", {}, "ok\n"};
    return {404, "text/plain", {}, "not found\n"};
  });
  if (!server.ok()) {
    std::cerr << "otlp-receiver: " << server.status().message() << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << (*server)->port() << "\n";
    }
    if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      std::cerr << "otlp-receiver: cannot write " << port_file << "\n";
      return 1;
    }
  }
  std::cerr << "otlp-receiver listening on " << address << ":" << (*server)->port() << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return 0;
}
