//! The CLI's allocator: jemalloc, set to give freed pages back within 50 ms.
//!
//! A run frees and allocates a chunk's worth of Arrow buffers many times a second, from
//! several threads. glibc's allocator kept the pages of those buffers in fragmented
//! arenas, and its peak RSS crept up through the run (orders benchmark, 4 MiB chunks:
//! 119 MiB at 0.2 GB of input, 175 MiB at 10 GB); jemalloc with a background thread
//! purging freed pages keeps it near flat (BENCHMARKS.md, "Scale") and is a few percent
//! faster. One arena serves the reader, the writer and the flattening threads (two
//! were no faster and held 10 MiB more).
//! Freed pages not yet given back are a third of the peak: with 500 ms the orders
//! benchmark's median RSS was 90 MiB and its peak 98-100 (2 GB), with 50 ms 83 and
//! 93-95, at the same speed within noise; giving pages back at once (0 ms) halves RSS
//! but costs 40 % in time.
//! Transparent huge pages (`thp:always`) were tried: page faults are a fifth of the CPU
//! on GitHub's webhook payloads, and the first runs were 11 % faster, but over many runs
//! the kernel's compaction for huge pages made them slower and erratic (median 0.40 ->
//! 0.44 s, max 0.62 s), so the kernel's default stays.
//! The library crates keep the system allocator: in Python the process's own is used.

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`_RJEM_MALLOC_CONF` in the environment, the
/// prefixed name of this build's `MALLOC_CONF`, still wins for what it sets).
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals, unsafe_code)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8] =
    b"background_thread:true,dirty_decay_ms:50,muzzy_decay_ms:0,narenas:1\0";
