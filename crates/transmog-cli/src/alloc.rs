//! The CLI's allocator: jemalloc, set to give freed pages back within a second.
//!
//! A run frees and allocates a chunk's worth of Arrow buffers many times a second, from
//! several threads. glibc's allocator kept the pages of those buffers in fragmented
//! arenas, and its peak RSS crept up through the run (orders benchmark, 4 MiB chunks:
//! 119 MiB at 0.2 GB of input, 175 MiB at 10 GB); jemalloc with a background thread
//! purging freed pages keeps it near flat (BENCHMARKS.md, "Scale") and is a few percent
//! faster. One arena serves the reader, the writer and the flattening threads (two
//! were no faster and held 10 MiB more).
//! How long freed pages wait: giving them back at once (0 ms) halves RSS but costs 40 %
//! in time (every buffer faults its pages in again). At 50 ms a tenth of the orders
//! run's CPU was still page faults and the purges' TLB shootdowns; at 1 000 ms the run
//! is 6-10 % faster, with peak RSS 79 / 84 MiB at 0.2 / 5.8 GB against 77 / 84 at 50 ms
//! (BENCHMARKS.md, "Parsing without serde").
//! Transparent huge pages (`thp:always`) were tried: page faults are a fifth of the CPU
//! on GitHub's webhook payloads, and the first runs were 11 % faster, but over many runs
//! the kernel's compaction for huge pages made them slower and erratic (median 0.40 ->
//! 0.44 s, max 0.62 s), so the kernel's default stays.
//! The library crates keep the system allocator: in Python the process's own is used.
//! The `system-alloc` feature keeps it in the CLI too, for heap profilers (heaptrack)
//! that see only the system's `malloc`.

#[cfg(all(not(target_env = "msvc"), not(feature = "system-alloc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`_RJEM_MALLOC_CONF` in the environment, the
/// prefixed name of this build's `MALLOC_CONF`, still wins for what it sets).
#[cfg(all(not(target_env = "msvc"), not(feature = "system-alloc")))]
#[allow(non_upper_case_globals, unsafe_code)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8] =
    b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:1\0";
