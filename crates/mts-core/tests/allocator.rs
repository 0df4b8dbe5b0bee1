//! `tune_allocator` keeps large blocks out of dedicated `mmap` regions, on the main thread and
//! on threads started after it. No test harness: libtest would run this on a thread of its own
//! whose glibc arena predates the tuning.

use mts_core::{AllocatorTuning, mmapped_bytes, tune_allocator};

const BLOCK: usize = 256 << 20;

/// Allocates and touches a 256 MiB block; returns how much the mmapped total grew meanwhile.
fn mmapped_growth_of_a_block() -> usize {
    let before = mmapped_bytes().expect("glibc reports mmapped bytes");
    let block = vec![1u8; BLOCK];
    let during = mmapped_bytes().expect("glibc reports mmapped bytes");
    assert_eq!(block.iter().map(|&b| b as usize).sum::<usize>(), BLOCK);
    during.saturating_sub(before)
}

fn main() {
    // Untuned, glibc serves the block with an mmap of its own: the check below can fail.
    let untuned = mmapped_bytes().map(|_| mmapped_growth_of_a_block());
    match tune_allocator() {
        AllocatorTuning::Unsupported => {
            eprintln!("SKIPPED allocator test: not a glibc target");
            return;
        }
        tuning => assert_eq!(tuning, AllocatorTuning::Applied),
    }
    assert!(
        untuned.is_some_and(|growth| growth >= BLOCK),
        "untuned glibc maps large blocks: {untuned:?}"
    );
    assert_eq!(mmapped_growth_of_a_block(), 0, "main thread, after tuning");
    let on_thread = std::thread::spawn(mmapped_growth_of_a_block)
        .join()
        .expect("the thread ran");
    assert_eq!(on_thread, 0, "a thread started after tuning");
    assert_eq!(tune_allocator(), AllocatorTuning::Applied, "a second call");
    println!("allocator: ok (untuned: {BLOCK} byte block mmapped; tuned: from the heap)");
}
