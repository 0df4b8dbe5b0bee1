//! `mts`: multi-time-scale convolution for Burn, and the tools to use it for speech emotion
//! recognition. This crate re-exports the workspace's crates:
//!
//! - [`core`]: the [`MtsConv2d`](core::MtsConv2d) layer (`[batch, channels, time, freq]`).

pub use mts_core as core;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
