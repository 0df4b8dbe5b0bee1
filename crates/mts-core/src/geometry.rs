//! Output-grid arithmetic shared by the branches: padding and output lengths per axis.

use burn::nn::PaddingConfig2d;

use crate::BranchAlignment;

/// `(begin, end)` padding of one axis; negative values crop the input.
pub(crate) type Pad = (i64, i64);

/// The padding burn's `Conv2d` uses for `padding` on an input of `[time, freq]` frames, as
/// `[(top, bottom), (left, right)]`. `Same` reproduces burn's (and ONNX's) rule: the odd extra
/// frame goes to the end, dilation is not taken into account.
pub(crate) fn reference_padding(
    padding: &PaddingConfig2d,
    input: [usize; 2],
    kernel_size: [usize; 2],
    stride: [usize; 2],
) -> [(usize, usize); 2] {
    match padding {
        PaddingConfig2d::Valid => [(0, 0); 2],
        PaddingConfig2d::Same => {
            core::array::from_fn(|a| same_padding(kernel_size[a], stride[a], input[a]))
        }
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(*top, *bottom), (*left, *right)],
    }
}

fn same_padding(kernel: usize, stride: usize, size_in: usize) -> (usize, usize) {
    let size_out = size_in.div_ceil(stride);
    let total = if size_out > 0 {
        ((size_out - 1) * stride + kernel).saturating_sub(size_in)
    } else {
        0
    };
    (total / 2, total - total / 2)
}

/// Output length of a convolution along one axis: `input` frames with `pad = (begin, end)`
/// frames added (negative values crop), a kernel of `kernel` taps, `stride` and `dilation`;
/// `None` when the (padded) input is shorter than the dilated kernel.
///
/// ```
/// assert_eq!(mts_core::conv_output_len(401, (0, 0), 10, 1, 1), Some(392));
/// assert_eq!(mts_core::conv_output_len(401, (4, 5), 10, 2, 1), Some(201));
/// assert_eq!(mts_core::conv_output_len(8, (0, 0), 10, 1, 1), None);
/// ```
pub fn conv_output_len(
    input: usize,
    pad: (i64, i64),
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> Option<usize> {
    let padded = input as i64 + pad.0 + pad.1;
    let span = (dilation * (kernel - 1) + 1) as i64;
    (padded >= span).then(|| ((padded - span) as usize) / stride + 1)
}

/// Output length of one branch along one axis, as [`conv_output_len`], and `None` also when a
/// crop (negative padding) leaves no frame of the input: the rule of the layer's input check
/// and of the property-testing kit's `shortest_input`.
pub(crate) fn branch_output_len(
    input: usize,
    pad: Pad,
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> Option<usize> {
    let kept = input as i64 + pad.0.min(0) + pad.1.min(0);
    if kept < 1 {
        return None;
    }
    conv_output_len(input, pad, kernel, stride, dilation)
}

/// The padding that puts a kernel of `branch_kernel` taps on the output grid of the reference
/// kernel, centred on the same input positions (`BranchAlignment::Centered`). When the length
/// difference times the dilation is odd, the branch sits half a frame earlier.
pub(crate) fn centered_padding(
    reference: (usize, usize),
    reference_kernel: usize,
    branch_kernel: usize,
    dilation: usize,
) -> Pad {
    let delta = (branch_kernel as i64 - reference_kernel as i64) * dilation as i64;
    let begin = delta.div_euclid(2);
    (
        reference.0 as i64 + begin,
        reference.1 as i64 + delta - begin,
    )
}

/// The `(begin, end)` padding per axis of a branch kernel of `size` under `alignment`, for a
/// layer whose unscaled kernel of `kernel_size` has the `reference` padding.
pub(crate) fn branch_padding(
    alignment: BranchAlignment,
    reference: [(usize, usize); 2],
    kernel_size: [usize; 2],
    size: [usize; 2],
    dilation: [usize; 2],
) -> [Pad; 2] {
    core::array::from_fn(|a| match alignment {
        BranchAlignment::Stretch => (reference[a].0 as i64, reference[a].1 as i64),
        BranchAlignment::Centered => {
            centered_padding(reference[a], kernel_size[a], size[a], dilation[a])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_burn_conv2d_rule() {
        // Even kernel: the extra frame goes to the end.
        assert_eq!(same_padding(10, 1, 40), (4, 5));
        assert_eq!(same_padding(5, 1, 40), (2, 2));
        // Stride 2 keeps ceil(n / 2) outputs.
        assert_eq!(same_padding(3, 2, 9), (1, 1));
    }

    #[test]
    fn output_len_like_pytorch() {
        assert_eq!(conv_output_len(24, (0, 0), 10, 1, 1), Some(15));
        assert_eq!(conv_output_len(25, (2, 2), 5, 2, 1), Some(13));
        assert_eq!(conv_output_len(20, (0, 0), 5, 1, 3), Some(8));
        assert_eq!(conv_output_len(9, (0, 0), 10, 1, 1), None);
    }

    #[test]
    fn centered_padding_keeps_the_reference_length_and_centre() {
        for (k, ks, d) in [(10, 20, 1), (10, 5, 1), (10, 7, 2), (5, 2, 1), (4, 8, 3)] {
            for pad in [(0, 0), (2, 3), (4, 5)] {
                let (b, e) = centered_padding(pad, k, ks, d);
                let reference = conv_output_len(40, (pad.0 as i64, pad.1 as i64), k, 1, d);
                assert_eq!(conv_output_len(40, (b, e), ks, 1, d), reference);
                // Centre of output 0 in input coordinates, doubled to stay integral.
                let centre_ref = -2 * pad.0 as i64 + ((k - 1) * d) as i64;
                let centre_branch = -2 * b + ((ks - 1) * d) as i64;
                assert!(
                    (centre_ref - centre_branch).abs() <= 1,
                    "{k} {ks} {d} {pad:?}"
                );
            }
        }
    }
}
