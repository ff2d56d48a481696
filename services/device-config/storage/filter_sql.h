#pragma once

#include <string>
#include <vector>

#include "services/device-config/domain/filter.h"

namespace fleet::devcfg {

// A filter compiled to a SQL boolean expression over the `devices` table. Every value travels in
// `params` (bound as $first_param, $first_param+1, ...); `sql` only holds column names, operators
// and placeholders, so no filter text can change the statement. Every predicate is NULL-free
// (columns are NOT NULL), so NOT behaves as in filter::Matches.
struct SqlFilter {
  std::string sql;
  std::vector<std::string> params;
};

// Pure, thread-safe. Label comparisons use jsonb containment (labels @> '{"k":"v"}') and key
// existence (labels ? 'k'), both served by the GIN index on labels.
SqlFilter CompileFilter(const filter::Expr& expr, int first_param);

}  // namespace fleet::devcfg
