//! Differentiable linear resampling along one tensor axis.
//!
//! Burn 0.22.1 has no backward for bilinear `interpolate` on ndarray or wgpu, so resampling is
//! built from `select` and arithmetic, which have a backward on every backend. The result is
//! exactly PyTorch's `F.interpolate(x, size=.., mode="bilinear", align_corners=False)` (no
//! antialias) applied one axis at a time; bilinear interpolation is separable, so resizing both
//! kernel axes this way is bilinear resizing.

use burn::tensor::{Int, Tensor, TensorData};

/// Source taps of linear interpolation from `in_len` to `out_len` samples,
/// `align_corners = false`: output `j` reads `(1 - w) * x[i0] + w * x[i1]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinearTaps {
    pub(crate) lower: Vec<i32>,
    pub(crate) upper: Vec<i32>,
    pub(crate) weight: Vec<f32>,
}

impl LinearTaps {
    /// Taps for resizing `in_len` samples to `out_len` (both at least 1).
    ///
    /// Source coordinate `src = max(0, (j + 0.5) * in_len / out_len - 0.5)`, as PyTorch computes
    /// it for an explicit output size.
    pub(crate) fn new(in_len: usize, out_len: usize) -> Self {
        let ratio = in_len as f64 / out_len as f64;
        let last = in_len - 1;
        let mut taps = Self {
            lower: Vec::with_capacity(out_len),
            upper: Vec::with_capacity(out_len),
            weight: Vec::with_capacity(out_len),
        };
        for j in 0..out_len {
            let src = ((j as f64 + 0.5) * ratio - 0.5).max(0.0);
            let lower = (src.floor() as usize).min(last);
            let upper = (lower + 1).min(last);
            taps.lower.push(lower as i32);
            taps.upper.push(upper as i32);
            taps.weight.push((src - lower as f64) as f32);
        }
        taps
    }
}

/// Resizes `x` along `dim` to `len` samples by linear interpolation (`align_corners = false`),
/// keeping every other axis. Differentiable on every backend; returns `x` unchanged when its
/// length already is `len`.
///
/// # Panics
/// If `dim >= 4`, or `len` or the current length along `dim` is 0.
pub fn resize_axis(x: Tensor<4>, dim: usize, len: usize) -> Tensor<4> {
    let dims = x.dims();
    assert!(
        dim < 4,
        "resize_axis: axis {dim} does not exist in a 4-D tensor"
    );
    assert!(
        len > 0 && dims[dim] > 0,
        "resize_axis: cannot resize axis {dim} from {} to {len} samples",
        dims[dim]
    );
    if dims[dim] == len {
        return x;
    }
    let taps = LinearTaps::new(dims[dim], len);
    let device = x.device();
    let mut weight_shape = [1; 4];
    weight_shape[dim] = len;
    let weight = Tensor::<4>::from_data(TensorData::new(taps.weight, weight_shape), &device);
    let lo = select_frames(x.clone(), dim, &taps.lower);
    let hi = select_frames(x, dim, &taps.upper);
    lo.clone() + (hi - lo) * weight
}

/// `x.select(dim, frames)`, computed on a 2-D view `[outer, dims[dim] * inner]` of `x`.
///
/// A select along the last axis of a 2-D tensor is a plain strided copy on every backend, and
/// its backward a plain scatter-add, where a 4-D select costs index arithmetic per element
/// (Flex: a 4-D select's backward was 20x slower than this one). `x` is row-major, so the view
/// is a reshape and the indices are `frame * inner + i`.
fn select_frames(x: Tensor<4>, dim: usize, frames: &[i32]) -> Tensor<4> {
    let dims = x.dims();
    let outer: usize = dims[..dim].iter().product();
    let inner: usize = dims[dim + 1..].iter().product();
    let indices: Vec<i64> = frames
        .iter()
        .flat_map(|&frame| (0..inner as i64).map(move |i| i64::from(frame) * inner as i64 + i))
        .collect();
    let count = indices.len();
    let indices = Tensor::<1, Int>::from_data(TensorData::new(indices, [count]), &x.device());
    let mut out_dims = dims;
    out_dims[dim] = frames.len();
    x.reshape([outer, dims[dim] * inner])
        .select(1, indices)
        .reshape(out_dims)
}

/// Resamples a convolution kernel `[out, in, kt, kf]` to `[out, in, size[0], size[1]]`.
///
/// Linear interpolation with an explicit size and `align_corners = false`, exactly PyTorch's
/// `F.interpolate(weight, size=size, mode="bilinear", align_corners=False)`. This is how an MTS
/// layer derives each branch kernel; it is differentiable, so gradients reach `weight`.
///
/// # Panics
/// If a target length or a kernel length is 0.
pub fn resample_kernel(weight: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    resize_axis(resize_axis(weight, 2, size[0]), 3, size[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_downsample_by_two_average_pairs() {
        let taps = LinearTaps::new(4, 2);
        assert_eq!(taps.lower, vec![0, 2]);
        assert_eq!(taps.upper, vec![1, 3]);
        assert_eq!(taps.weight, vec![0.5, 0.5]);
    }

    #[test]
    fn taps_upsample_clamp_at_the_edges() {
        let taps = LinearTaps::new(2, 4);
        // src = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper clamped to 1).
        assert_eq!(taps.lower, vec![0, 0, 0, 1]);
        assert_eq!(taps.upper, vec![1, 1, 1, 1]);
        assert_eq!(taps.weight, vec![0.0, 0.25, 0.75, 0.25]);
    }

    #[test]
    fn taps_identity_when_lengths_match() {
        let taps = LinearTaps::new(5, 5);
        assert_eq!(taps.lower, vec![0, 1, 2, 3, 4]);
        assert!(taps.weight.iter().all(|&w| w == 0.0));
    }
}
