#include "services/device-config/domain/config_service.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "libs/status/status.h"
#include "services/device-config/domain/config_errors.h"
#include "services/device-config/domain/config_merge.h"
#include "services/device-config/domain/errors.h"

namespace fleet::devcfg {
namespace {

constexpr int kDefaultPageSize = 100;

absl::Status CheckText(std::string_view field, std::string_view s, size_t max_bytes, bool required) {
  if (required && s.empty()) return status::InvalidField(field, absl::StrCat(std::string(field), " is required"));
  if (s.size() > max_bytes) {
    return status::InvalidField(field, absl::StrCat(std::string(field), " is longer than ", max_bytes, " bytes"));
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      return status::InvalidField(field, absl::StrCat(std::string(field), " contains control characters"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckVersionArg(std::string_view field, int64_t version) {
  if (version < 1) return status::InvalidField(field, absl::StrCat(std::string(field), " must be >= 1"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Device> ConfigService::LoadDevice(std::string_view device) {
  absl::StatusOr<std::string> id = ParseDeviceName(device, "device");
  if (!id.ok()) return id.status();
  absl::StatusOr<std::optional<Device>> d = devices_.Get(*id);
  if (!d.ok()) return d.status();
  if (!d->has_value()) return DeviceNotFound(*id);
  return **d;
}

absl::StatusOr<ConfigService::Effective> ConfigService::EffectiveFor(const Device& device, const std::string& body) {
  absl::StatusOr<std::vector<ConfigTemplate>> all = store_.ListTemplates();
  if (!all.ok()) return all.status();
  return EffectiveWith(*all, device, body);
}

ConfigService::Effective ConfigService::EffectiveWith(const std::vector<ConfigTemplate>& all, const Device& device,
                                                      const std::string& body) {
  std::vector<std::pair<TemplateScope, const ConfigTemplate*>> applicable;
  for (const ConfigTemplate& t : all) {
    absl::StatusOr<TemplateScope> scope = ParseTemplateName(t.name);
    if (scope.ok() && Applies(*scope, device)) applicable.emplace_back(*scope, &t);
  }
  std::sort(applicable.begin(), applicable.end(),
            [](const auto& a, const auto& b) { return LowerPrecedence(a.first, b.first); });
  // Stored bodies are canonical JSON written by this service; parse them without limits.
  std::vector<rapidjson::Document> docs(applicable.size() + 1);
  std::vector<const rapidjson::Value*> layers;
  Effective out;
  for (size_t i = 0; i < applicable.size(); ++i) {
    docs[i].Parse(applicable[i].second->body.data(), applicable[i].second->body.size());
    layers.push_back(&docs[i]);
    out.templates.push_back(applicable[i].second->name);
  }
  docs.back().Parse(body.data(), body.size());
  layers.push_back(&docs.back());
  rapidjson::Document merged = MergeLayers(layers);
  out.json = CanonicalJson(merged);
  return out;
}

absl::Status ConfigService::CheckEffective(const Device& device, const std::string& effective_json) {
  // The effective config is what the device receives: it must satisfy the limits and schema too.
  absl::StatusOr<rapidjson::Document> doc = ParseConfigJson(effective_json, options_->limits, "effective_config");
  if (!doc.ok()) return doc.status();
  auto schema = options_->schemas.find(device.model);
  if (schema != options_->schemas.end()) return CheckSchema(schema->second, *doc, "effective_config");
  return absl::OkStatus();
}

absl::StatusOr<ConfigVersion> ConfigService::AppendChecked(const Device& device, std::string body,
                                                           std::optional<int64_t> expected_version,
                                                           std::string_view author, std::string_view comment) {
  if (absl::Status st = CheckText("author", author, options_->max_author_bytes, true); !st.ok()) return st;
  if (absl::Status st = CheckText("comment", comment, options_->max_comment_bytes, false); !st.ok()) return st;
  if (expected_version && *expected_version < 0) return status::InvalidField("expected_version", "must be >= 0");
  absl::StatusOr<Effective> effective = EffectiveFor(device, body);
  if (!effective.ok()) return effective.status();
  if (absl::Status st = CheckEffective(device, effective->json); !st.ok()) return st;
  ConfigVersion v;
  v.device_id = device.id;
  v.body = std::move(body);
  v.author = std::string(author);
  v.comment = std::string(comment);
  v.create_time = absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now()));
  absl::StatusOr<ConfigVersion> stored = store_.Append(v, expected_version, std::max(1, options_->retention));
  if (stored.ok() && listener_ != nullptr) listener_->OnNewDesiredVersion(stored->device_id, stored->version);
  return stored;
}

absl::StatusOr<ConfigVersion> ConfigService::SetDesired(const SetDesiredRequest& request) {
  absl::StatusOr<rapidjson::Document> doc = ParseConfigJson(request.body, options_->limits, "body");
  if (!doc.ok()) return doc.status();
  absl::StatusOr<Device> device = LoadDevice(request.device);
  if (!device.ok()) return device.status();
  return AppendChecked(*device, CanonicalJson(*doc), request.expected_version, request.author, request.comment);
}

absl::StatusOr<ConfigVersion> ConfigService::Rollback(std::string_view device, int64_t to_version,
                                                      std::optional<int64_t> expected_version,
                                                      std::string_view author, std::string_view comment) {
  if (absl::Status st = CheckVersionArg("version", to_version); !st.ok()) return st;
  absl::StatusOr<Device> d = LoadDevice(device);
  if (!d.ok()) return d.status();
  absl::StatusOr<std::optional<ConfigVersion>> old = store_.GetVersion(d->id, to_version);
  if (!old.ok()) return old.status();
  if (!old->has_value()) return ConfigVersionNotFound(d->id, to_version);
  std::string note = comment.empty() ? absl::StrCat("rollback to version ", to_version) : std::string(comment);
  return AppendChecked(*d, (*old)->body, expected_version, author, note);
}

absl::StatusOr<DeviceConfigView> ConfigService::Get(std::string_view device) {
  absl::StatusOr<Device> d = LoadDevice(device);
  if (!d.ok()) return d.status();
  absl::StatusOr<std::optional<ConfigState>> state = store_.GetState(d->id);
  if (!state.ok()) return state.status();
  absl::StatusOr<std::vector<ConfigTemplate>> templates = store_.ListTemplates();
  if (!templates.ok()) return templates.status();
  return ViewOf(*d, std::move(*state), *templates);
}

absl::StatusOr<ConfigService::Batch> ConfigService::BatchGet(absl::Span<const std::string> devices) {
  absl::StatusOr<BatchDeviceIds> batch = ParseBatchDeviceNames(devices, "devices", kMaxBatchGet);
  if (!batch.ok()) return batch.status();
  const std::vector<std::string>& ids = batch->ids;
  Batch out;
  if (ids.empty()) return out;
  absl::StatusOr<std::vector<Device>> found = devices_.BatchGet(ids);
  if (!found.ok()) return found.status();
  absl::flat_hash_map<std::string, const Device*> by_id;
  std::vector<std::string> found_ids;
  for (const Device& d : *found) {
    by_id[d.id] = &d;
    found_ids.push_back(d.id);
  }
  absl::StatusOr<std::vector<ConfigState>> states = store_.GetStates(found_ids);
  if (!states.ok()) return states.status();
  absl::flat_hash_map<std::string, ConfigState*> state_of;
  for (ConfigState& s : *states) state_of[s.desired.device_id] = &s;
  absl::StatusOr<std::vector<ConfigTemplate>> templates = store_.ListTemplates();
  if (!templates.ok()) return templates.status();
  for (size_t i = 0; i < ids.size(); ++i) {
    auto d = by_id.find(ids[i]);
    if (d == by_id.end()) {
      out.missing.push_back(*batch->given[i]);
      continue;
    }
    auto s = state_of.find(ids[i]);
    std::optional<ConfigState> state;
    if (s != state_of.end()) state = std::move(*s->second);
    out.views.push_back(ViewOf(*d->second, std::move(state), *templates));
  }
  return out;
}

DeviceConfigView ConfigService::ViewOf(const Device& d, std::optional<ConfigState> state,
                                       const std::vector<ConfigTemplate>& templates) {
  DeviceConfigView view;
  if (state.has_value()) {
    view.state = std::move(*state);
  } else {
    view.state.desired.device_id = d.id;
    view.state.desired.body = "{}";
  }
  Effective effective = EffectiveWith(templates, d, view.state.desired.body);
  view.effective = std::move(effective.json);
  view.effective_hash = Sha256Hex(view.effective);
  view.templates = std::move(effective.templates);
  view.in_sync = view.state.desired.version > 0 && view.state.reported_version == view.state.desired.version &&
                 (view.state.reported_hash.empty() || view.state.reported_hash == view.effective_hash);
  if (view.state.desired.version == 0) {
    view.sync_state = SyncState::kNoConfig;
  } else if (view.in_sync) {
    view.sync_state = SyncState::kInSync;
  } else if (view.state.failed_version == view.state.desired.version) {
    view.sync_state = SyncState::kFailed;
  } else {
    view.sync_state = SyncState::kPending;
  }
  return view;
}

absl::StatusOr<ConfigVersion> ConfigService::GetVersion(std::string_view device, int64_t version) {
  if (absl::Status st = CheckVersionArg("version", version); !st.ok()) return st;
  absl::StatusOr<Device> d = LoadDevice(device);
  if (!d.ok()) return d.status();
  absl::StatusOr<std::optional<ConfigVersion>> v = store_.GetVersion(d->id, version);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return ConfigVersionNotFound(d->id, version);
  return **v;
}

absl::StatusOr<ConfigStore::VersionPage> ConfigService::ListVersions(std::string_view device, int64_t before,
                                                                     int page_size) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    return status::InvalidField("page_size", absl::StrCat("page_size must be in 0..", kMaxPageSize));
  }
  if (before < 0) return status::InvalidField("before", "must be >= 0");
  absl::StatusOr<Device> d = LoadDevice(device);
  if (!d.ok()) return d.status();
  return store_.ListVersions(d->id, before, page_size == 0 ? kDefaultPageSize : page_size);
}

absl::StatusOr<std::vector<DiffEntry>> ConfigService::Diff(std::string_view device, int64_t from_version,
                                                           int64_t to_version) {
  absl::StatusOr<ConfigVersion> from = GetVersion(device, from_version);
  if (!from.ok()) return from.status();
  absl::StatusOr<ConfigVersion> to = GetVersion(device, to_version);
  if (!to.ok()) return to.status();
  rapidjson::Document a, b;
  a.Parse(from->body.data(), from->body.size());
  b.Parse(to->body.data(), to->body.size());
  return DiffJson(a, b);
}

absl::StatusOr<ConfigState> ConfigService::ReportApplied(std::string_view device, int64_t version,
                                                         std::string_view status, std::string_view hash) {
  if (absl::Status st = CheckVersionArg("version", version); !st.ok()) return st;
  if (absl::Status st = CheckText("status", status, options_->max_status_bytes, false); !st.ok()) return st;
  if (absl::Status st = CheckText("hash", hash, 128, false); !st.ok()) return st;
  absl::StatusOr<std::string> id = ParseDeviceName(device, "device");
  if (!id.ok()) return id.status();
  return store_.Report(*id, version, status, hash, absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now())));
}

absl::StatusOr<ConfigState> ConfigService::ReportFailed(std::string_view device, int64_t version,
                                                        std::string_view reason) {
  if (absl::Status st = CheckVersionArg("version", version); !st.ok()) return st;
  std::string why(reason.substr(0, options_->max_status_bytes));
  for (char& c : why) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';  // device text: sanitize, never reject
  }
  absl::StatusOr<std::string> id = ParseDeviceName(device, "device");
  if (!id.ok()) return id.status();
  return store_.ReportFailed(*id, version, why, absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now())));
}

absl::StatusOr<int64_t> ConfigService::VersionToPushOnReconnect(std::string_view device) {
  absl::StatusOr<DeviceConfigView> view = Get(device);
  if (!view.ok()) {
    if (status::Reason(view.status()) == "DEVICE_NOT_FOUND") return 0;  // not registered: nothing to push
    return view.status();
  }
  if (view->state.desired.version == 0 || view->in_sync) return 0;
  return view->state.desired.version;
}

absl::StatusOr<ConfigTemplate> ConfigService::PutTemplate(std::string_view name, std::string_view body,
                                                          std::optional<int64_t> expected_revision,
                                                          std::string_view author) {
  absl::StatusOr<TemplateScope> scope = ParseTemplateName(name);
  if (!scope.ok()) return scope.status();
  if (absl::Status st = CheckText("author", author, options_->max_author_bytes, true); !st.ok()) return st;
  if (expected_revision && *expected_revision < 0) return status::InvalidField("expected_revision", "must be >= 0");
  absl::StatusOr<rapidjson::Document> doc = ParseConfigJson(body, options_->limits, "body");
  if (!doc.ok()) return doc.status();
  ConfigTemplate t;
  t.name = TemplateName(*scope);
  t.body = CanonicalJson(*doc);
  t.author = std::string(author);
  if (absl::Status st = CheckTemplateAgainstDevices(*scope, t); !st.ok()) return st;
  absl::StatusOr<ConfigTemplate> stored =
      store_.PutTemplate(t, expected_revision, absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now())));
  if (stored.ok() && listener_ != nullptr) listener_->OnTemplateChanged(stored->name);
  return stored;
}

absl::StatusOr<ConfigTemplate> ConfigService::GetTemplate(std::string_view name) {
  absl::StatusOr<TemplateScope> scope = ParseTemplateName(name);
  if (!scope.ok()) return scope.status();
  absl::StatusOr<std::optional<ConfigTemplate>> t = store_.GetTemplate(TemplateName(*scope));
  if (!t.ok()) return t.status();
  if (!t->has_value()) return TemplateNotFound(name);
  return **t;
}

absl::Status ConfigService::DeleteTemplate(std::string_view name, std::optional<int64_t> expected_revision) {
  absl::StatusOr<TemplateScope> scope = ParseTemplateName(name);
  if (!scope.ok()) return scope.status();
  const std::string name_str = TemplateName(*scope);
  absl::Status st = store_.DeleteTemplate(name_str, expected_revision);
  if (st.ok() && listener_ != nullptr) listener_->OnTemplateChanged(name_str);
  return st;
}

absl::StatusOr<std::vector<ConfigTemplate>> ConfigService::ListTemplates() { return store_.ListTemplates(); }

absl::Status ConfigService::ForEachConfiguredDevice(
    const TemplateScope& scope, const std::function<absl::Status(const Device&, const ConfigState&)>& fn) {
  std::string after;
  while (true) {
    absl::StatusOr<DeviceRepo::Page> page = devices_.List(nullptr, after, 1000);
    if (!page.ok()) return page.status();
    for (const Device& d : page->items) {
      if (!Applies(scope, d)) continue;
      absl::StatusOr<std::optional<ConfigState>> state = store_.GetState(d.id);
      if (!state.ok()) return state.status();
      if (!state->has_value() || (*state)->desired.version == 0) continue;
      if (absl::Status st = fn(d, **state); !st.ok()) return st;
    }
    if (!page->more || page->items.empty()) return absl::OkStatus();
    after = page->items.back().id;
  }
}

absl::Status ConfigService::ForEachDeviceOfTemplate(std::string_view name,
                                                    const std::function<void(const std::string&, int64_t)>& fn) {
  absl::StatusOr<TemplateScope> scope = ParseTemplateName(name);
  if (!scope.ok()) return scope.status();
  return ForEachConfiguredDevice(*scope, [&](const Device& d, const ConfigState& s) {
    fn(d.id, s.desired.version);
    return absl::OkStatus();
  });
}

absl::Status ConfigService::CheckTemplateAgainstDevices(const TemplateScope& scope, const ConfigTemplate& t) {
  absl::StatusOr<std::vector<ConfigTemplate>> current = store_.ListTemplates();
  if (!current.ok()) return current.status();
  std::vector<ConfigTemplate> next;
  for (ConfigTemplate& c : *current) {
    if (c.name != t.name) next.push_back(std::move(c));
  }
  next.push_back(t);
  return ForEachConfiguredDevice(scope, [&](const Device& d, const ConfigState& s) -> absl::Status {
    Effective e = EffectiveWith(next, d, s.desired.body);
    absl::Status st = CheckEffective(d, e.json);
    if (st.ok()) return st;
    return status::MakeError(absl::StatusCode::kInvalidArgument, "CONFIG_INVALID",
                             absl::StrCat("the template would make device ", d.id,
                                          "'s effective configuration invalid: ", std::string(st.message())),
                             {{"field", "body"}, {"device", d.id}});
  });
}

}  // namespace fleet::devcfg
