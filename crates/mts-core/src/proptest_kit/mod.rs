//! Property-testing your MTS configuration (feature `proptest`): [proptest] strategies for
//! scale sets, [`MtsConv2d`](crate::MtsConv2d) configurations, kernels and inputs of fitting
//! shapes that are **valid by construction**. They never yield a configuration that
//! [`try_init`](crate::MtsConv2dConfig::try_init) refuses or an input too short for a branch
//! kernel, so a property never has to skip a case: every case tests something.
//!
//! - [`ScaleSets`]: scale sets for a kernel size, with and without the unit branch, with
//!   branches shrunk to one tap, time-only or with frequency factors.
//! - [`LayerConfigs`]: layer configurations ([`LayerCase`]: the config, an input shape it takes
//!   and the seed of its kernel, bias and input values) over channels, groups, kernels,
//!   strides (longer than the kernel too), dilation on both axes, valid, `Same`, symmetric and
//!   asymmetric padding, both alignments and sharings, every resampling method.
//! - [`shortest_input`]: the shortest input a configuration takes.
//! - [`laws`]: the laws of kernel resampling (identity, constants, linear ramps, adjoint,
//!   area averaging, branch sizes) and of the layer (the unit scale is `Conv2d`, shapes and
//!   parameter counts, usage totals, fused against composed path), as checkers that return a
//!   typed [`LawViolation`](laws::LawViolation).
//!
//! Each parameter struct has defaults that cover everything; narrow a field to aim at what
//! your property is about. A property over your own scale sets, in a few lines:
//!
//! ```
//! use burn::tensor::Device;
//! use mts_core::proptest_kit::{LayerConfigs, ScaleSets, UnitBranch};
//! use proptest::prelude::*;
//!
//! let configs = LayerConfigs {
//!     scales: ScaleSets { unit: UnitBranch::Always, frequency: false, ..Default::default() },
//!     ..Default::default()
//! };
//! proptest!(ProptestConfig::with_cases(16), |(case in configs.strategy().unwrap())| {
//!     let device = Device::flex();
//!     let layer = case.layer(&device);
//!     let (output, usage) = layer.forward_with_usage(case.input(&device));
//!     prop_assert_eq!(usage.total() as usize, output.shape().num_elements());
//! });
//! ```

pub mod laws;
mod layers;
mod scales;

use std::ops::RangeInclusive;

use burn::tensor::TensorData;

pub use layers::{LayerCase, LayerConfigs, shortest_input};
pub use scales::{ScaleSets, UnitBranch};

/// A kit parameter that leaves nothing to draw, or would draw invalid layers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KitError {
    /// A range with no value in it.
    #[error("{field} is {range}, an empty range: give it at least one value")]
    EmptyRange {
        /// The parameter.
        field: &'static str,
        /// The range, as written in Rust.
        range: String,
    },
    /// A range of sizes that includes 0 (a layer refuses a zero size).
    #[error("{field} is {range}, which includes 0; it must start at 1")]
    ZeroSize {
        /// The parameter.
        field: &'static str,
        /// The range, as written in Rust.
        range: String,
    },
    /// A list of choices with nothing in it.
    #[error("{field} is empty: give at least one choice")]
    NoChoice {
        /// The parameter.
        field: &'static str,
    },
    /// A kernel size with a zero axis.
    #[error("the kernel size {kernel_size:?} has a zero axis")]
    ZeroKernel {
        /// The kernel size `[time, freq]`.
        kernel_size: [usize; 2],
    },
}

/// Checks that `range` holds a value, all at least `min`.
fn non_empty(
    field: &'static str,
    range: &RangeInclusive<usize>,
    min: usize,
) -> Result<(), KitError> {
    let range_text = || format!("{range:?}");
    if range.is_empty() {
        return Err(KitError::EmptyRange {
            field,
            range: range_text(),
        });
    }
    if *range.start() < min {
        return Err(KitError::ZeroSize {
            field,
            range: range_text(),
        });
    }
    Ok(())
}

/// What the values of a [`LayerCase`]'s kernel, bias and input are, drawn from its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Uniform in `[-1, 1)`.
    Uniform,
    /// Kernel and bias on a grid of 1/16 within ±1/2, inputs integers within ±4: every product
    /// and every sum of a branch convolution is exact in `f32` (for kernels of up to 2^14
    /// taps per output), so any summation order gives the same value and two paths that sum
    /// differently must agree to the bit, winners included. Branch kernels keep the grid
    /// only where their resampling weights do (linear resampling by 1/2 or 2 of even kernel
    /// lengths: weights 1/4, 1/2, 3/4).
    Exact,
}

impl Values {
    /// Kernel or bias values of `shape` from `seed`.
    pub fn kernel_data(self, shape: Vec<usize>, seed: u64) -> TensorData {
        self.data(shape, seed, 16.0, 0.5)
    }

    /// Input values of `shape` from `seed`.
    pub fn input_data(self, shape: Vec<usize>, seed: u64) -> TensorData {
        self.data(shape, seed, 1.0, 4.0)
    }

    /// Values of `shape`: uniform, or for `Exact` on a grid of `1 / steps` within `±bound`.
    fn data(self, shape: Vec<usize>, seed: u64, steps: f32, bound: f32) -> TensorData {
        let mut state = seed;
        let values: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|_| {
                let unit = split_mix(&mut state); // in [-1, 1)
                match self {
                    Self::Uniform => unit,
                    Self::Exact => (unit * bound * steps).round() / steps,
                }
            })
            .collect();
        TensorData::new(values, shape)
    }
}

/// The next value of SplitMix64 from `state`, as an `f32` in `[-1, 1)`.
fn split_mix(state: &mut u64) -> f32 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

#[cfg(test)]
mod law_tests;
#[cfg(test)]
pub(crate) mod tests;
