// Prints the BFF's OpenAPI document (what GET /openapi.json serves) to stdout.
#include <iostream>

#include "bff/openapi/openapi.h"

int main() {
  std::cout << fleet::bff::openapi::Document() << "\n";
  return 0;
}
