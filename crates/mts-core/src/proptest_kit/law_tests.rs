//! The kit's laws hold for the built-in methods and layers, and report what breaks them.

use burn::tensor::Device;
use proptest::prelude::*;

use super::LayerConfigs;
use super::laws::{self, Law, LawViolation};
use crate::KernelResampling;

fn methods() -> impl Strategy<Value = KernelResampling> {
    prop_oneof![
        Just(KernelResampling::Linear),
        Just(KernelResampling::Cubic),
        Just(KernelResampling::Area),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_built_in_method_keeps_identity_constants_and_adjoint(
        method in methods(),
        in_len in 1usize..=12,
        out_len in 1usize..=24,
        seed in any::<u64>(),
    ) {
        laws::identity(method, in_len)?;
        laws::constants(method, in_len, out_len)?;
        laws::adjoint(method, in_len, out_len, seed, &Device::flex())?;
    }

    #[test]
    fn linear_keeps_ramps_and_area_averages(in_len in 1usize..=16, out_len in 1usize..=32) {
        laws::linear_ramps(KernelResampling::Linear, in_len, out_len)?;
        laws::area_averages(KernelResampling::Area, in_len, out_len)?;
        if out_len >= in_len {
            laws::linear_ramps(KernelResampling::Area, in_len, out_len)?;
        }
    }

    #[test]
    fn every_drawn_layer_keeps_the_layer_laws(
        case in LayerConfigs::default().strategy().unwrap(),
    ) {
        let device = Device::flex();
        laws::branch_sizes(&case)?;
        laws::unit_scale_is_plain(&case, &device)?;
        laws::plain_shape_and_parameters(&case, &device)?;
        laws::usage_adds_up(&case, &device)?;
        laws::fused_equals_composed(&case, &device)?;
    }
}

/// The ramp law's report for `method` stretching 4 taps to 9, which must bend the ramp; the
/// output row where it bends most.
fn bent_ramp(method: KernelResampling) -> usize {
    match laws::linear_ramps(method, 4, 9) {
        Err(LawViolation::Resampling {
            law: Law::LinearRamps,
            in_len: 4,
            out_len: 9,
            index,
            ..
        }) => index,
        other => panic!("{method:?}: expected a bent ramp 4 -> 9, got {other:?}"),
    }
}

#[test]
fn methods_that_do_not_keep_a_law_are_reported_with_it() {
    // Linear shrinking by 3 reads taps 1 and 2 (then 4 and 5, ...) of every 3: tap 0 is skipped.
    let skipped = laws::area_averages(KernelResampling::Linear, 9, 3).unwrap_err();
    assert_eq!(
        skipped,
        LawViolation::TapIgnored {
            law: Law::AreaAverages,
            method: KernelResampling::Linear,
            in_len: 9,
            out_len: 3,
            tap: 0,
        }
    );
    // Cubic repeats the edge sample for its outer taps: a ramp bends at the edges.
    bent_ramp(KernelResampling::Cubic);
    // A zero length has no matrix.
    let empty = laws::constants(KernelResampling::Area, 0, 3).unwrap_err();
    assert_eq!(empty.law(), Law::Constants);
    assert!(matches!(empty, LawViolation::Matrix { .. }), "{empty}");
}

/// The worked example of [`KernelResampling::Custom`]'s doc, the same code: Lanczos-2 weights at
/// the source coordinates of PyTorch's `align_corners=False`, edge taps repeated, every row
/// normalised to sum 1.
fn lanczos2(in_len: usize, out_len: usize) -> Vec<f64> {
    let sinc = |x: f64| {
        if x == 0.0 {
            1.0
        } else {
            (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
        }
    };
    let lanczos = |x: f64| {
        if x.abs() < 2.0 {
            sinc(x) * sinc(x / 2.0)
        } else {
            0.0
        }
    };
    let mut matrix = vec![0.0; out_len * in_len];
    for (j, row) in matrix.chunks_mut(in_len).enumerate() {
        let src = (j as f64 + 0.5) * in_len as f64 / out_len as f64 - 0.5;
        for tap in src.floor() as i64 - 1..=src.floor() as i64 + 2 {
            let index = tap.clamp(0, in_len as i64 - 1) as usize;
            row[index] += lanczos(src - tap as f64);
        }
        let total: f64 = row.iter().sum();
        row.iter_mut().for_each(|w| *w /= total);
    }
    matrix
}

const LANCZOS: KernelResampling =
    KernelResampling::Custom(crate::CustomResampling::new("lanczos2", lanczos2));

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Lanczos keeps identity, constants (its rows are normalised) and adjoint on every axis of
    /// every branch the kit draws, and the layer laws.
    #[test]
    fn lanczos_keeps_identity_constants_adjoint_and_the_layer_laws(
        case in LayerConfigs { resamplings: vec![LANCZOS], ..LayerConfigs::default() }
            .strategy()
            .unwrap(),
    ) {
        let device = Device::flex();
        let kernel = case.config.kernel_size;
        for size in case.config.validate().unwrap() {
            for (from, to) in kernel.into_iter().zip(size) {
                laws::identity(LANCZOS, from)?;
                laws::constants(LANCZOS, from, to)?;
                laws::adjoint(LANCZOS, from, to, case.seed, &device)?;
            }
        }
        laws::branch_sizes(&case)?;
        laws::unit_scale_is_plain(&case, &device)?;
        laws::usage_adds_up(&case, &device)?;
        laws::fused_equals_composed(&case, &device)?;
    }
}

/// What Lanczos does not keep: a ramp stretched bends at the edges, worst in the last row (the
/// negative lobe reads the repeated edge sample), and a shrink by 3 reads one tap in three
/// (`L(±1) = 0`), no average.
#[test]
fn lanczos_breaks_exactly_the_ramp_and_area_laws() {
    assert_eq!(bent_ramp(LANCZOS), 8);
    // Row 1 weighs its centre tap 4 by 1 (the triangle: 1/3), and its neighbours by L(±1),
    // zero up to rounding: no average.
    let picked = laws::area_averages(LANCZOS, 9, 3).unwrap_err();
    assert!(
        matches!(picked, LawViolation::Resampling { law: Law::AreaAverages, in_len: 9, out_len: 3, index: 13, worst, .. } if (worst - 2.0 / 3.0).abs() < 1e-9),
        "{picked}"
    );
}

/// A method whose rows do not sum to 1 (Lanczos without the normalisation, which the doc's
/// example does for this reason) is reported by the constants law.
#[test]
fn an_unnormalised_method_breaks_the_constants_law() {
    fn unnormalised(in_len: usize, out_len: usize) -> Vec<f64> {
        lanczos2(in_len, out_len)
            .into_iter()
            .map(|w| w * 1.01)
            .collect()
    }
    let broken = KernelResampling::Custom(crate::CustomResampling::new("scaled", unnormalised));
    let violation = laws::constants(broken, 5, 7).unwrap_err();
    assert!(
        matches!(violation, LawViolation::Resampling { law: Law::Constants, worst, .. } if (worst - 0.01).abs() < 1e-9),
        "{violation}"
    );
}
