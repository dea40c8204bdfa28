//! The `tripscore` command: batch trip analytics over JSONL, CSV and GPX
//! input. The commands are in `cli/`, one file each; they use only the
//! library's public API.

mod cli;

/// mimalloc for the binary: every batch window allocates and frees its trips'
/// buffers, and glibc's allocator returned those pages to the kernel and
/// faulted them in again (malloc, free and page clearing were ~8 % of a
/// profile). The library leaves the allocator to its user; the `mimalloc`
/// feature (on by default) can be turned off.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
