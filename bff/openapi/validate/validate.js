// Validates an OpenAPI document with @apidevtools/swagger-parser (schema + $ref checks).
// Usage: node validate.js openapi.json
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");

async function main() {
  const file = process.argv[2];
  const api = await SwaggerParser.validate(file);
  const ops = Object.values(api.paths).reduce((n, p) => n + Object.keys(p).length, 0);
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths, ${ops} operations`);
}

main().catch((err) => {
  console.error(`INVALID: ${err.message}`);
  process.exit(1);
});
