#pragma once

// Test-only fake of DeviceConfigService: records the last request of each call and answers
// canned resources (or `fail`). Not thread-safe except GetDeviceConfig's recording, which the
// parallel overview test reads only after the request finished.

#include <string>

#include "bff/config_backend.h"
#include "libs/trace/context.h"

namespace fleet::bff::testing {

class Rendezvous;

class FakeConfig : public ConfigBackend {
 public:
  absl::StatusOr<config::v1::DeviceConfig> GetDeviceConfig(const config::v1::GetDeviceConfigRequest& req,
                                                           const CallContext& c) override;
  // GetDeviceConfig for each device (through this object's GetDeviceConfig, overrides included).
  absl::StatusOr<config::v1::BatchGetDeviceConfigsResponse> BatchGetDeviceConfigs(
      const config::v1::BatchGetDeviceConfigsRequest& req, const CallContext& c) override {
    config::v1::BatchGetDeviceConfigsResponse out;
    for (const std::string& device : req.devices()) {
      config::v1::GetDeviceConfigRequest one;
      one.set_device(device.rfind("devices/", 0) == 0 ? device : "devices/" + device);
      absl::StatusOr<config::v1::DeviceConfig> got = GetDeviceConfig(one, c);
      if (got.ok()) {
        *out.add_configs() = *std::move(got);
      } else if (got.status().code() == absl::StatusCode::kNotFound) {
        out.add_missing(device);
      } else {
        return got.status();
      }
    }
    return out;
  }
  absl::StatusOr<config::v1::ConfigVersion> SetDesiredConfig(const config::v1::SetDesiredConfigRequest& req,
                                                             const CallContext& c) override {
    last_set = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Version(req.device(), 8, req.body_json(), req.author(), req.comment());
  }
  absl::StatusOr<config::v1::ConfigVersion> RollbackConfig(const config::v1::RollbackConfigRequest& req,
                                                           const CallContext& c) override {
    last_rollback = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Version(req.device(), 9, R"({"a":1})", req.author(), req.comment());
  }
  absl::StatusOr<config::v1::ConfigVersion> GetConfigVersion(const config::v1::GetConfigVersionRequest& req,
                                                             const CallContext& c) override {
    last_get_version = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Version(req.device(), req.version(), R"({"a":1})", "alice", "");
  }
  absl::StatusOr<config::v1::ListConfigVersionsResponse> ListConfigVersions(
      const config::v1::ListConfigVersionsRequest& req, const CallContext& c) override {
    last_list_versions = req;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::ListConfigVersionsResponse r;
    *r.add_versions() = Version(req.device(), 2, R"({"b":[1,2]})", "bob", "second");
    *r.add_versions() = Version(req.device(), 1, "{}", "alice", "first");
    r.set_next_page_token("older");
    return r;
  }
  absl::StatusOr<config::v1::DiffConfigVersionsResponse> DiffConfigVersions(
      const config::v1::DiffConfigVersionsRequest& req, const CallContext& c) override {
    last_diff = req;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::DiffConfigVersionsResponse r;
    auto* changed = r.add_entries();
    changed->set_op(config::v1::ConfigDiffEntry::CHANGED);
    changed->set_path("/kafka/cluster");
    changed->set_old_json(R"("k1")");
    changed->set_new_json(R"("k2")");
    auto* added = r.add_entries();
    added->set_op(config::v1::ConfigDiffEntry::ADDED);
    added->set_path("/ntp");
    added->set_new_json(R"({"servers":["a"]})");
    return r;
  }
  absl::StatusOr<config::v1::ConfigTemplate> PutConfigTemplate(const config::v1::PutConfigTemplateRequest& req,
                                                               const CallContext& c) override {
    last_put_template = req;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::ConfigTemplate t = req.template_();
    t.set_author(req.author());
    t.set_revision(req.has_expected_revision() ? req.expected_revision() + 1 : 1);
    return t;
  }
  absl::StatusOr<config::v1::ConfigTemplate> GetConfigTemplate(const config::v1::GetConfigTemplateRequest& req,
                                                               const CallContext& c) override {
    last_get_template = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Template(req.name());
  }
  absl::Status DeleteConfigTemplate(const config::v1::DeleteConfigTemplateRequest& req,
                                    const CallContext& c) override {
    last_delete_template = req;
    last_context = c;
    return fail;
  }
  absl::StatusOr<config::v1::ListConfigTemplatesResponse> ListConfigTemplates(
      const config::v1::ListConfigTemplatesRequest&, const CallContext& c) override {
    ++list_templates_calls;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::ListConfigTemplatesResponse r;
    *r.add_templates() = Template("configTemplates/global");
    *r.add_templates() = Template("configTemplates/labels/site=sh-01");
    return r;
  }
  absl::Status Ready() override { return fail; }

  static config::v1::ConfigVersion Version(const std::string& device, int64_t n, const std::string& body,
                                           const std::string& author, const std::string& comment) {
    config::v1::ConfigVersion v;
    v.set_name(device + "/config/versions/" + std::to_string(n));
    v.set_version(n);
    v.set_body_json(body);
    v.set_author(author);
    v.set_comment(comment);
    v.mutable_create_time()->set_seconds(1700000000);
    return v;
  }
  static config::v1::ConfigTemplate Template(const std::string& name) {
    config::v1::ConfigTemplate t;
    t.set_name(name);
    t.set_body_json(R"({"kafka":{"cluster":"k1"}})");
    t.set_author("alice");
    t.set_revision(4);
    return t;
  }

  absl::Status fail;
  CallContext last_context;
  trace::TraceContext last_trace;
  config::v1::GetDeviceConfigRequest last_get;
  config::v1::SetDesiredConfigRequest last_set;
  config::v1::RollbackConfigRequest last_rollback;
  config::v1::GetConfigVersionRequest last_get_version;
  config::v1::ListConfigVersionsRequest last_list_versions;
  config::v1::DiffConfigVersionsRequest last_diff;
  config::v1::PutConfigTemplateRequest last_put_template;
  config::v1::GetConfigTemplateRequest last_get_template;
  config::v1::DeleteConfigTemplateRequest last_delete_template;
  int list_templates_calls = 0;
  Rendezvous* rendezvous = nullptr;
  bool met = false;
};

}  // namespace fleet::bff::testing
