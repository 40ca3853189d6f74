#!/bin/bash
# Paired rounds of two builds of the CLI on one input, `sync` before each run so that each
# run pays for flushing its own output: measures what the durable commit (fsync) costs.
#   OLD=/path/to/previous/transmog INPUT=orders200k.jsonl [NEW=...] [OUT=dir] bench/fsync_pairs.sh
old=${OLD:?path of the previous build}
new=${NEW:-target/release/transmog}
out=${OUT:-/var/tmp}
for r in 1 2 3 4 5 6; do
  for b in old new; do
    bin=${!b}
    rm -rf "$out/o_$b"; sync
    s=$(date +%s.%N)
    "$bin" convert "${INPUT:?orders200k.jsonl}" -o "$out/o_$b" -q --ids position --extract-time T
    e=$(date +%s.%N)
    printf "%s %s %.3f\n" $r $b "$(echo "$e - $s" | bc)"
  done
done
