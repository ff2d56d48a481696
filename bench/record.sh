# shellcheck shell=bash
# record_in_table DIR FILE JSON ROW TABLE: like lib.sh's record_result, but inserts ROW at the end
# of the table that follows the marker line "<!-- table:TABLE -->" in DIR/README.md (so several
# benchmarks keep their own table in one README). Sourced after lib.sh, not executed.
record_in_table() {
  local dir="$1" file="$2" json="$3" row="$4" table="$5" readme tmp
  readme="$dir/README.md"
  mkdir -p "$dir"
  echo "$json" >"$dir/$file"
  [[ -f "$readme" ]] || die "$readme missing (it holds the table headers)"
  grep -qF "<!-- table:$table -->" "$readme" || die "$readme has no '<!-- table:$table -->' marker"
  tmp="$(mktemp "$dir/.README.XXXXXX")"
  ROW="$row" awk -v marker="<!-- table:$table -->" '
    function flush() { if (state == 2) { print ENVIRON["ROW"]; state = 3 } }
    $0 == marker { state = 1; print; next }
    state == 1 && /^\|/ { state = 2; print; next }
    state == 2 && !/^\|/ { flush() }
    { print }
    END { flush() }' "$readme" >"$tmp"
  mv "$tmp" "$readme"
  say "recorded $dir/$file and a row in $readme (table $table)"
}
