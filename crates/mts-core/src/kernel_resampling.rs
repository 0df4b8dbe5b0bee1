//! How a branch kernel is resampled from the trainable kernel: linear (the paper's), cubic, or
//! anti-aliased linear. Cubic and anti-aliased linear are linear maps `out = M · in` along each
//! axis; they are applied as a matrix product with a constant `M`, which has a backward on every
//! backend.

use burn::config::Config;
use burn::module::Param;
use burn::tensor::{Tensor, TensorData};

use crate::custom_resampling::CustomResampling;
use crate::resample::{resample_kernel, resize_axis};
use crate::{KernelSharing, MtsConfigError};

/// The interpolation that turns the trainable kernel into each branch kernel.
///
/// Each method matches a PyTorch `F.interpolate(weight, size=(kt', kf'), align_corners=False)`
/// call (an explicit size, so the sampling ratio is `in / out`), pinned by golden vectors:
///
/// | method | PyTorch `mode` | taps per output |
/// |---|---|---|
/// | [`Linear`](Self::Linear) | `"bilinear"` | 2 |
/// | [`Cubic`](Self::Cubic) | `"bicubic"` (Keys, `a = -0.75`, edge samples repeated) | 4 |
/// | [`Area`](Self::Area) | `"bilinear", antialias=True` | `2 · in/out` when shrinking, else 2 |
///
/// When a kernel is **shrunk** (scale < 1), linear sampling reads only 2 of every `1/s` input
/// taps: the branch kernel aliases and, for a kernel with fine temporal detail, loses energy
/// relative to the taps it skips. `Area` widens its triangle filter by `1/s`, so every input tap
/// contributes and the shrunk kernel is a smoothed version of the original. When a kernel is
/// **stretched** (scale > 1) `Area` equals `Linear`; `Cubic` gives a smoother stretch with slight
/// overshoot.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum KernelResampling {
    /// Linear interpolation without anti-aliasing: the paper's and the default.
    Linear,
    /// Cubic convolution (Keys, `a = -0.75`), PyTorch's bicubic.
    Cubic,
    /// Anti-aliased linear (a triangle filter widened by the shrink factor, weights normalised):
    /// PyTorch's `bilinear` with `antialias=True`. Not PyTorch's `mode="area"`.
    Area,
    /// Your own method: a named function from (source length, target length) to the
    /// `[target, source]` weight matrix, applied like `Cubic` and `Area`. Serialized by name;
    /// see [`CustomResampling`] for how configs holding one are read back.
    ///
    /// A worked example, normalised Lanczos (`a = 2`):
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use mts_core::{CustomResampling, KernelResampling, MtsConv2dConfig};
    ///
    /// /// Lanczos-2 weights at the source coordinates of PyTorch's `align_corners=False`,
    /// /// edge taps repeated, every row normalised to sum 1.
    /// fn lanczos2(in_len: usize, out_len: usize) -> Vec<f64> {
    ///     let sinc = |x: f64| if x == 0.0 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
    ///     let lanczos = |x: f64| if x.abs() < 2.0 { sinc(x) * sinc(x / 2.0) } else { 0.0 };
    ///     let mut matrix = vec![0.0; out_len * in_len];
    ///     for (j, row) in matrix.chunks_mut(in_len).enumerate() {
    ///         let src = (j as f64 + 0.5) * in_len as f64 / out_len as f64 - 0.5;
    ///         for tap in src.floor() as i64 - 1..=src.floor() as i64 + 2 {
    ///             let index = tap.clamp(0, in_len as i64 - 1) as usize;
    ///             row[index] += lanczos(src - tap as f64);
    ///         }
    ///         let total: f64 = row.iter().sum();
    ///         row.iter_mut().for_each(|w| *w /= total);
    ///     }
    ///     matrix
    /// }
    ///
    /// let lanczos = KernelResampling::Custom(CustomResampling::new("lanczos2", lanczos2));
    /// let layer = MtsConv2dConfig::new([1, 4], [6, 3])
    ///     .with_time_scales(&[0.5, 1.0, 1.5])
    ///     .with_resampling(lanczos)
    ///     .try_init(&Device::flex())
    ///     .unwrap();
    /// assert_eq!(layer.branch_kernel_sizes(), [[3, 3], [6, 3], [9, 3]]);
    /// ```
    Custom(CustomResampling),
}

impl KernelResampling {
    /// The `[out_len, in_len]` row-major matrix `R` of this method resizing `in_len` samples
    /// to `out_len` (`align_corners = false`, explicit size): resampling a kernel axis `k` gives
    /// `R k`. [`Linear`](Self::Linear) is applied as taps rather than as this matrix; the two
    /// agree.
    ///
    /// # Errors
    /// [`MtsConfigError::ZeroResamplingLength`] if a length is 0.
    pub fn matrix(self, in_len: usize, out_len: usize) -> Result<Vec<f64>, MtsConfigError> {
        resampling_matrix(self, in_len, out_len)
    }

    /// Checks that the method gives a valid matrix for every axis of every branch of `sizes`
    /// resampled from `kernel_size` (always so for the built-in methods).
    pub(crate) fn check_branches(
        self,
        kernel_size: [usize; 2],
        sizes: &[[usize; 2]],
    ) -> Result<(), MtsConfigError> {
        if let Self::Custom(custom) = self {
            for size in sizes {
                for (from, to) in kernel_size.into_iter().zip(*size) {
                    if from != to {
                        custom.matrix(from, to)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// PyTorch's cubic convolution coefficient.
const CUBIC_A: f64 = -0.75;

fn cubic_near(x: f64) -> f64 {
    ((CUBIC_A + 2.0) * x - (CUBIC_A + 3.0)) * x * x + 1.0
}

fn cubic_far(x: f64) -> f64 {
    ((CUBIC_A * x - 5.0 * CUBIC_A) * x + 8.0 * CUBIC_A) * x - 4.0 * CUBIC_A
}

/// The `[out_len, in_len]` row-major matrix of `method` resizing `in_len` samples to `out_len`
/// (`align_corners = false`, explicit size), or why there is none.
pub(crate) fn resampling_matrix(
    method: KernelResampling,
    in_len: usize,
    out_len: usize,
) -> Result<Vec<f64>, MtsConfigError> {
    if in_len == 0 || out_len == 0 {
        return Err(MtsConfigError::ZeroResamplingLength { in_len, out_len });
    }
    let fill: fn(&mut [f64], usize, f64) = match method {
        KernelResampling::Linear => linear_row,
        KernelResampling::Cubic => cubic_row,
        KernelResampling::Area => area_row,
        KernelResampling::Custom(custom) => return custom.matrix(in_len, out_len),
    };
    let scale = in_len as f64 / out_len as f64;
    let mut matrix = vec![0.0; out_len * in_len];
    for (j, row) in matrix.chunks_mut(in_len).enumerate() {
        fill(row, j, scale);
    }
    Ok(matrix)
}

/// Row `j` of linear resampling with ratio `scale = in / out`.
fn linear_row(row: &mut [f64], j: usize, scale: f64) {
    let in_len = row.len();
    let src = ((j as f64 + 0.5) * scale - 0.5).max(0.0);
    let lower = (src.floor() as usize).min(in_len - 1);
    let upper = (lower + 1).min(in_len - 1);
    let t = src - lower as f64;
    row[lower] += 1.0 - t;
    row[upper] += t;
}

/// Row `j` of cubic resampling with ratio `scale = in / out`.
fn cubic_row(row: &mut [f64], j: usize, scale: f64) {
    let in_len = row.len();
    // No clamping of the source coordinate; taps outside are the edge samples.
    let src = (j as f64 + 0.5) * scale - 0.5;
    let base = src.floor();
    let t = src - base;
    let weights = [
        cubic_far(t + 1.0),
        cubic_near(t),
        cubic_near(1.0 - t),
        cubic_far(2.0 - t),
    ];
    for (k, w) in weights.into_iter().enumerate() {
        let index = (base as i64 - 1 + k as i64).clamp(0, in_len as i64 - 1);
        row[index as usize] += w;
    }
}

/// Row `j` of anti-aliased linear resampling with ratio `scale = in / out`.
fn area_row(row: &mut [f64], j: usize, scale: f64) {
    let in_len = row.len();
    let support = scale.max(1.0);
    let inverse = 1.0 / support;
    let center = scale * (j as f64 + 0.5);
    // PyTorch truncates towards zero, then clamps to the input.
    let first = ((center - support + 0.5).trunc() as i64).max(0) as usize;
    let end = ((center + support + 0.5).trunc() as usize).min(in_len);
    let mut total = 0.0;
    for (i, value) in row.iter_mut().enumerate().take(end).skip(first) {
        let x = (i as f64 - center + 0.5) * inverse;
        *value = (1.0 - x.abs()).max(0.0);
        total += *value;
    }
    if total != 0.0 {
        row.iter_mut().for_each(|w| *w /= total);
    }
}

/// Resizes `x` along `dim` (2 or 3) to `len` samples with `method`; returns `x` unchanged when
/// its length already is `len` (every method is the identity then).
fn resize_axis_with(x: Tensor<4>, dim: usize, len: usize, method: KernelResampling) -> Tensor<4> {
    let in_len = x.dims()[dim];
    if in_len == len {
        return x;
    }
    if method == KernelResampling::Linear {
        return resize_axis(x, dim, len);
    }
    let matrix: Vec<f32> = resampling_matrix(method, in_len, len)
        .unwrap_or_else(|err| panic!("{err}"))
        .into_iter()
        .map(|w| w as f32)
        .collect();
    // `M^T`, `[in_len, len]`, so that rows of `x` (samples along the last axis) map to rows.
    let m = Tensor::<2>::from_data(TensorData::new(matrix, [len, in_len]), &x.device()).transpose();
    let last = if dim == 3 { x } else { x.swap_dims(dim, 3) };
    let [a, b, c, n] = last.dims();
    let resized = last
        .reshape([a * b * c, n])
        .matmul(m)
        .reshape([a, b, c, len]);
    if dim == 3 {
        resized
    } else {
        resized.swap_dims(dim, 3)
    }
}

/// Resamples a convolution kernel `[out, in, kt, kf]` to `[out, in, size[0], size[1]]` with
/// `method`, time axis first (each method is separable). [`KernelResampling::Linear`] is
/// [`resample_kernel`](crate::resample_kernel). Differentiable on every backend.
///
/// # Panics
/// If a target length or a kernel length is 0, or a [`KernelResampling::Custom`] method gives
/// an invalid matrix for them (with the message of the [`MtsConfigError`]; layer configs'
/// `try_init` reports it as that error, [`KernelResampling::matrix`] returns it).
pub fn resample_kernel_with(
    weight: Tensor<4>,
    size: [usize; 2],
    method: KernelResampling,
) -> Tensor<4> {
    let time = resize_axis_with(weight, 2, size[0], method);
    resize_axis_with(time, 3, size[1], method)
}

/// The kernel of a branch of `size` (`[time, freq]`) of an MTS layer whose trainable kernel is
/// `weight` (`[a, b, kt, kf]`, any layout with the kernel axes last): the kernel itself when the
/// size is its own, else its resample with `method`, a constant in `Detached` mode.
pub(crate) fn branch_kernel(
    weight: &Tensor<4>,
    size: [usize; 2],
    sharing: KernelSharing,
    method: KernelResampling,
) -> Tensor<4> {
    let [.., kt, kf] = weight.dims();
    if size == [kt, kf] {
        return weight.clone();
    }
    match sharing {
        KernelSharing::Shared => resample_kernel_with(weight.clone(), size, method),
        // `detach` keeps a leaf's `require_grad`; turn it off so no gradient is computed for
        // the constant branch kernel at all.
        KernelSharing::Detached => {
            let constant = weight.clone().detach().set_require_grad(false);
            resample_kernel_with(constant, size, method)
        }
    }
}

/// The published code's per-epoch kernel averaging (mts-method.md section 1.7) of an MTS
/// layer's trainable kernel `weight` (`[a, b, kt, kf]`, the kernel axes last): the mean of the
/// kernel and, for every branch size in `branch_kernels` that differs from `[kt, kf]`, the kernel
/// linearly resampled to that size and back. Gradient tracking of the kernel is kept; the
/// averaging itself is not recorded. Every layer kind's `average_kernels` is this.
pub(crate) fn average_kernels(
    weight: Param<Tensor<4>>,
    branch_kernels: &[[usize; 2]],
) -> Param<Tensor<4>> {
    let [.., kt, kf] = weight.shape().dims::<4>();
    let round_trips: Vec<[usize; 2]> = branch_kernels
        .iter()
        .copied()
        .filter(|&size| size != [kt, kf])
        .collect();
    if round_trips.is_empty() {
        return weight;
    }
    let count = (round_trips.len() + 1) as f64;
    weight.map(|weight| {
        let require_grad = weight.is_require_grad();
        let base = weight.detach().set_require_grad(false);
        let sum = round_trips.iter().fold(base.clone(), |sum, &size| {
            sum + resample_kernel(resample_kernel(base.clone(), size), [kt, kf])
        });
        (sum / count).set_require_grad(require_grad)
    })
}

/// A layer's `output` with its trainable kernel `weight` kept in the autodiff graph.
///
/// With [`KernelSharing::Detached`] and no branch of the kernel's own size (`branch_kernels`,
/// `[time, freq]`), every branch kernel is a constant and nothing would read the kernel:
/// autodiff would give it no gradient at all, where PyTorch gives zero. Then `0 * sum(weight)`
/// is added to the output, so the kernel gets an all-zero gradient on every layer kind. The
/// output is returned unchanged in every other case (and whenever the kernel is not tracked).
pub(crate) fn keep_kernel_in_graph(
    output: Tensor<4>,
    weight: &Tensor<4>,
    sharing: KernelSharing,
    branch_kernels: &[[usize; 2]],
) -> Tensor<4> {
    let [.., kt, kf] = weight.dims();
    let untouched = sharing == KernelSharing::Shared || branch_kernels.contains(&[kt, kf]);
    if untouched || !weight.is_require_grad() {
        return output;
    }
    let zero = weight.clone().sum().mul_scalar(0.0).reshape([1, 1, 1, 1]);
    output + zero
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proptest_kit::laws;

    fn rows(method: KernelResampling, n: usize, m: usize) -> Vec<Vec<f64>> {
        resampling_matrix(method, n, m)
            .unwrap()
            .chunks(n)
            .map(<[f64]>::to_vec)
            .collect()
    }

    #[test]
    fn every_method_is_the_identity_at_equal_length_and_rows_sum_to_one() {
        for method in [
            KernelResampling::Linear,
            KernelResampling::Cubic,
            KernelResampling::Area,
        ] {
            laws::identity(method, 5).unwrap_or_else(|v| panic!("{v}"));
            for (n, m) in [(10, 5), (10, 20), (10, 7), (10, 14), (3, 1), (1, 4)] {
                laws::constants(method, n, m).unwrap_or_else(|v| panic!("{v}"));
            }
        }
    }

    #[test]
    fn area_halving_averages_four_taps_with_a_triangle() {
        // in/out = 2: support 2, centre 2j + 1, weights tri((i - centre + 0.5) / 2), normalised.
        let r = rows(KernelResampling::Area, 8, 4);
        assert_eq!(r[1][1..5], [0.125, 0.375, 0.375, 0.125]);
        assert_eq!(r[1].iter().filter(|w| **w != 0.0).count(), 4);
        // At the edge the taps outside the kernel are left out and the rest renormalised.
        assert_eq!(r[0][..3], [3.0 / 7.0, 3.0 / 7.0, 1.0 / 7.0]);
        // Stretching: anti-aliased linear is linear.
        let area = rows(KernelResampling::Area, 5, 10);
        let linear = rows(KernelResampling::Linear, 5, 10);
        for (a, l) in area.iter().flatten().zip(linear.iter().flatten()) {
            assert!((a - l).abs() < 1e-12);
        }
    }

    #[test]
    fn cubic_halving_uses_keys_weights_at_the_midpoint() {
        // in/out = 2: the source lies halfway between taps 2j and 2j + 1 (t = 0.5), where Keys'
        // kernel with a = -0.75 weighs (-3/32, 19/32, 19/32, -3/32).
        let r = rows(KernelResampling::Cubic, 12, 6);
        assert_eq!(
            r[2][3..7],
            [-3.0 / 32.0, 19.0 / 32.0, 19.0 / 32.0, -3.0 / 32.0]
        );
        // At the left edge tap -1 is tap 0 repeated.
        assert_eq!(
            r[0][..3],
            [-3.0 / 32.0 + 19.0 / 32.0, 19.0 / 32.0, -3.0 / 32.0]
        );
    }
}
