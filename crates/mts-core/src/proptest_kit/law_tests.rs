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
    let bent = laws::linear_ramps(KernelResampling::Cubic, 4, 9).unwrap_err();
    assert!(
        matches!(
            bent,
            LawViolation::Resampling {
                law: Law::LinearRamps,
                in_len: 4,
                out_len: 9,
                ..
            }
        ),
        "{bent}"
    );
    // A zero length has no matrix.
    let empty = laws::constants(KernelResampling::Area, 0, 3).unwrap_err();
    assert_eq!(empty.law(), Law::Constants);
    assert!(matches!(empty, LawViolation::Matrix { .. }), "{empty}");
}
