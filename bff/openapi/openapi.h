#pragma once

#include <string>
#include <vector>

namespace fleet::bff::openapi {

// A parameter of an operation (path, query or header).
struct Param {
  std::string name;
  std::string in;  // "path" | "query" | "header"
  std::string type = "string";  // JSON schema type: string, integer, boolean
  bool required = false;
  std::string description;
  bool repeated = false;  // query only: an array (`names=a&names=b`)
};

// One documented route. `path` is the template exactly as registered with the Router (AIP-136
// custom verbs included, e.g. "/v1/tunnels/{tunnel}:close"). A schema is either the name of a
// component schema (e.g. "Device") or inline JSON schema text starting with '{'.
struct Operation {
  std::string method;
  std::string path;
  std::string operation_id;
  std::string tag;
  std::string summary;
  std::string errors;  // the route's specific error cases, as a sentence or two
  std::vector<Param> params;
  std::string request_schema;  // "" = no body
  std::string request_type = "application/json";
  bool request_required = true;
  std::string response_schema;  // 200 body
  std::string response_type = "application/json";
};

// THE documentation table: one entry per route the Api registers (openapi_test checks that the
// router and this table agree). Immutable; thread-safe.
const std::vector<Operation>& Operations();

// Component schemas (JSON object text: name -> schema) of the resources, requests and the
// AIP-193 error. Immutable; thread-safe.
const std::string& SchemasJson();

// The OpenAPI 3.0.3 document (JSON text) built from Operations(), SchemasJson() and the access
// policy (bff/auth/policy.h): per-operation `security` (none for public routes), the route
// class and permission as x-fleet-route-class / x-fleet-permission. Computed once; thread-safe.
const std::string& Document();

}  // namespace fleet::bff::openapi
