#include "services/device-config/server/device_config_service.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"
#include "libs/grpcx/server.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"
#include "services/device-config/domain/memory_config_store.h"
#include "services/device-config/domain/memory_repo.h"

namespace fleet::devcfg {
namespace {

namespace pb = config::v1;
using Stub = pb::DeviceConfigService::Stub;

class ConfigGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Device d;
    d.id = "gw-1";
    d.model = "gw-200";
    d.group = "north";
    ASSERT_TRUE(repo_.Create(d, clock_.Now()).ok());
    auto server = grpcx::Server::Start({}, {&service_}, std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = pb::DeviceConfigService::NewStub(grpcx::Dial("127.0.0.1:" + std::to_string(server_->port())));
  }

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
                    Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return status::FromGrpc((stub_.get()->*method)(&ctx, req, resp));
  }

  absl::Status Set(const std::string& body, std::optional<int64_t> expected, pb::ConfigVersion* out) {
    pb::SetDesiredConfigRequest req;
    req.set_device("devices/gw-1");
    req.set_body_json(body);
    if (expected) req.set_expected_version(*expected);
    req.set_author("alice");
    return Call(&Stub::SetDesiredConfig, req, out);
  }

  FakeClock clock_;
  MemoryDeviceRepo repo_;
  MemoryConfigStore store_;
  ConfigService configs_{repo_, store_, clock_, std::make_shared<ConfigOptions>()};
  DeviceConfigGrpcService service_{configs_};
  std::unique_ptr<grpcx::Server> server_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(ConfigGrpcTest, SetGetListDiffRollback) {
  pb::PutConfigTemplateRequest put;
  put.mutable_template_()->set_name("configTemplates/groups/north");
  put.mutable_template_()->set_body_json(R"({"kafka": {"cluster": "k-north"}})");
  put.set_expected_revision(0);
  put.set_author("ops");
  pb::ConfigTemplate tmpl;
  ASSERT_TRUE(Call(&Stub::PutConfigTemplate, put, &tmpl).ok());
  EXPECT_EQ(tmpl.name(), "configTemplates/groups/north");
  EXPECT_EQ(tmpl.body_json(), R"({"kafka":{"cluster":"k-north"}})");

  pb::ConfigVersion v;
  ASSERT_TRUE(Set(R"({"a": 1})", 0, &v).ok());
  EXPECT_EQ(v.name(), "devices/gw-1/config/versions/1");
  EXPECT_EQ(v.create_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(Set(absl::StrCat(R"({"a": )", i, "}"), i - 1, &v).ok());

  absl::Status st = Set("{}", 1, &v);
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status::Reason(st), "CONFIG_VERSION_MISMATCH");
  EXPECT_EQ(status::Metadata(st)["current_version"], "5");
  st = Set(R"({"a": {"b": [}})", std::nullopt, &v);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(st), "CONFIG_INVALID");
  EXPECT_EQ(status::Metadata(st)["field"], "body");

  pb::GetDeviceConfigRequest get;
  get.set_device("devices/gw-1");
  pb::DeviceConfig cfg;
  ASSERT_TRUE(Call(&Stub::GetDeviceConfig, get, &cfg).ok());
  EXPECT_EQ(cfg.name(), "devices/gw-1/config");
  EXPECT_EQ(cfg.desired().version(), 5);
  EXPECT_EQ(cfg.effective_json(), R"({"a":5,"kafka":{"cluster":"k-north"}})");
  EXPECT_EQ(cfg.effective_hash().size(), 64u);
  EXPECT_THAT(cfg.templates(), ::testing::ElementsAre("groups/north"));
  EXPECT_FALSE(cfg.in_sync());

  pb::ListConfigVersionsRequest list;
  list.set_device("devices/gw-1");
  list.set_page_size(2);
  std::vector<int64_t> seen;
  for (int pages = 0; pages < 10; ++pages) {
    pb::ListConfigVersionsResponse resp;
    ASSERT_TRUE(Call(&Stub::ListConfigVersions, list, &resp).ok());
    for (const auto& item : resp.versions()) seen.push_back(item.version());
    if (resp.next_page_token().empty()) break;
    list.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(seen, ::testing::ElementsAre(5, 4, 3, 2, 1));
  list.set_page_token("garbage");
  pb::ListConfigVersionsResponse bad;
  st = Call(&Stub::ListConfigVersions, list, &bad);
  EXPECT_EQ(status::Reason(st), "INVALID_PAGE_TOKEN");

  pb::DiffConfigVersionsRequest diff;
  diff.set_device("devices/gw-1");
  diff.set_from_version(1);
  diff.set_to_version(5);
  pb::DiffConfigVersionsResponse d;
  ASSERT_TRUE(Call(&Stub::DiffConfigVersions, diff, &d).ok());
  ASSERT_EQ(d.entries_size(), 1);
  EXPECT_EQ(d.entries(0).op(), pb::ConfigDiffEntry::CHANGED);
  EXPECT_EQ(d.entries(0).path(), "/a");
  EXPECT_EQ(d.entries(0).old_json(), "1");
  EXPECT_EQ(d.entries(0).new_json(), "5");

  pb::RollbackConfigRequest rb;
  rb.set_device("devices/gw-1");
  rb.set_version(1);
  rb.set_author("bob");
  ASSERT_TRUE(Call(&Stub::RollbackConfig, rb, &v).ok());
  EXPECT_EQ(v.version(), 6);
  EXPECT_EQ(v.body_json(), R"({"a":1})");
  EXPECT_EQ(v.comment(), "rollback to version 1");

  pb::GetConfigVersionRequest gv;
  gv.set_device("devices/gw-1");
  gv.set_version(99);
  st = Call(&Stub::GetConfigVersion, gv, &v);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::Reason(st), "CONFIG_VERSION_NOT_FOUND");

  get.set_device("devices/nope");
  EXPECT_EQ(status::Reason(Call(&Stub::GetDeviceConfig, get, &cfg)), "DEVICE_NOT_FOUND");

  pb::BatchGetDeviceConfigsRequest batch;
  batch.add_devices("devices/nope");
  batch.add_devices("devices/gw-1");
  pb::BatchGetDeviceConfigsResponse configs;
  ASSERT_TRUE(Call(&Stub::BatchGetDeviceConfigs, batch, &configs).ok());
  ASSERT_EQ(configs.configs_size(), 1);
  get.set_device("devices/gw-1");
  ASSERT_TRUE(Call(&Stub::GetDeviceConfig, get, &cfg).ok());
  EXPECT_EQ(configs.configs(0).SerializeAsString(), cfg.SerializeAsString());
  EXPECT_THAT(configs.missing(), ::testing::ElementsAre("devices/nope"));
  batch.add_devices("devices/");
  EXPECT_EQ(Call(&Stub::BatchGetDeviceConfigs, batch, &configs).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigGrpcTest, Templates) {
  pb::PutConfigTemplateRequest put;
  put.mutable_template_()->set_name("global");
  put.mutable_template_()->set_body_json(R"({"x": 1})");
  put.set_author("ops");
  pb::ConfigTemplate t;
  ASSERT_TRUE(Call(&Stub::PutConfigTemplate, put, &t).ok());
  put.set_expected_revision(t.revision() + 100);
  absl::Status st = Call(&Stub::PutConfigTemplate, put, &t);
  EXPECT_EQ(status::Reason(st), "TEMPLATE_REVISION_MISMATCH");
  put.mutable_template_()->set_name("groups/Bad");
  EXPECT_EQ(Call(&Stub::PutConfigTemplate, put, &t).code(), absl::StatusCode::kInvalidArgument);

  pb::ListConfigTemplatesResponse all;
  ASSERT_TRUE(Call(&Stub::ListConfigTemplates, pb::ListConfigTemplatesRequest(), &all).ok());
  ASSERT_EQ(all.templates_size(), 1);
  EXPECT_EQ(all.templates(0).name(), "configTemplates/global");

  pb::DeleteConfigTemplateRequest del;
  del.set_name("configTemplates/global");
  pb::DeleteConfigTemplateResponse dr;
  ASSERT_TRUE(Call(&Stub::DeleteConfigTemplate, del, &dr).ok());
  pb::GetConfigTemplateRequest g;
  g.set_name("configTemplates/global");
  EXPECT_EQ(status::Reason(Call(&Stub::GetConfigTemplate, g, &t)), "TEMPLATE_NOT_FOUND");
}

}  // namespace
}  // namespace fleet::devcfg
