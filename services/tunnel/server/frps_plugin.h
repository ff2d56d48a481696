#pragma once

#include "libs/http/server.h"
#include "services/tunnel/domain/proxy_gate.h"

namespace fleet::tunnel {

// Path prefix of the frps server-plugin endpoint: each frp server of the pool is configured with
//   [[httpPlugins]] addr = "<tunnel>:<plugin port>" path = "/frps/<server name>/handler"
//   ops = ["Login", "NewProxy"]
inline constexpr char kFrpsPluginPrefix[] = "/frps/";

// frp's server-plugin protocol (POST, JSON {"version", "op", "content"}), answered with
// {"reject": false, "unchange": true} or {"reject": true, "reject_reason": "..."}.
// frpc identifies itself through its metadata, as the device's watchdog writes it from
// tunnel.start: metadatas.device_id and metadatas.session_token (global, sent as
// content.metas in Login and content.user.metas in NewProxy; proxy-level metas win), falling
// back to content.user / content.user.user for the device id.
//  - Login: accepted when the device has a REQUESTED/OPEN session on that server with the token.
//  - NewProxy: accepted when ProxyGate::CheckNewProxy allows (device, remote_port, token).
//  - Other ops: accepted unchanged.
// A malformed request gets 400, a store error 503 (frps fails the operation on any non-200).
// Thread-safe.
http::Response HandleFrpsPlugin(ProxyGate& gate, const http::Request& request);

}  // namespace fleet::tunnel
