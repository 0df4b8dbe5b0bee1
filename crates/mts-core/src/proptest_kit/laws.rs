//! The laws of kernel resampling and of the MTS layer, as checkers that return a typed
//! [`LawViolation`] instead of panicking, so a property can report (or expect) exactly which
//! law fails, for which method and lengths, by how much.
//!
//! Resampling laws take a [`KernelResampling`] (a built-in method or your own) and the lengths
//! `in_len -> out_len` of one kernel axis; they read the method's `[out_len, in_len]` matrix
//! `R` ([`KernelResampling::matrix`]), but for [`adjoint`], which runs burn's autodiff through
//! the layers' own resampling. Layer laws take a [`LayerCase`] (from
//! [`LayerConfigs`](super::LayerConfigs)) and a device.
//!
//! | law | built-in methods that keep it |
//! |---|---|
//! | [`identity`], [`constants`], [`adjoint`], [`branch_sizes`] | all |
//! | [`linear_ramps`] (edges included, as PyTorch's `align_corners=False` defines them) | `Linear`; `Area` when it stretches |
//! | [`area_averages`] (when shrinking) | `Area` |
//!
//! ```
//! use mts_core::KernelResampling;
//! use mts_core::proptest_kit::laws::{self, Law};
//!
//! assert!(laws::constants(KernelResampling::Cubic, 7, 3).is_ok());
//! // Linear resampling reads 2 of every 3 taps when it shrinks by 3: not an average.
//! let violation = laws::area_averages(KernelResampling::Linear, 9, 3).unwrap_err();
//! assert_eq!(violation.law(), Law::AreaAverages);
//! ```

use core::fmt;

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Device, Tensor, TensorData};

use super::{LayerCase, Values};
use crate::{KernelResampling, MtsConfigError, MtsConv2d, ScaleSet, resample_kernel_with};

/// The tolerance of laws checked on a method's `f64` matrix (absolute, per weight or sum).
pub const MATRIX_TOLERANCE: f64 = 1e-9;

/// The tolerance of laws checked on `f32` tensors, relative: `|a - e| <= TOL * (1 + |e|)`.
pub const TENSOR_TOLERANCE: f64 = 1e-5;

/// A law of kernel resampling or of the MTS layer; each checker's doc states it exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// [`identity`]: resampling to the same length changes nothing.
    Identity,
    /// [`constants`]: every row of the matrix sums to 1.
    Constants,
    /// [`linear_ramps`]: a ramp is resampled to the ramp at the (clamped) source coordinates.
    LinearRamps,
    /// [`adjoint`]: the gradient of the resampling is its adjoint.
    Adjoint,
    /// [`area_averages`]: a shrink averages every tap with a widened triangle.
    AreaAverages,
    /// [`branch_sizes`]: branch kernels have `floor(k * factor)` taps.
    BranchSizes,
    /// [`unit_scale_is_plain`]: the scale set `[1]` is the plain `Conv2d`.
    UnitScaleIsPlain,
    /// [`plain_shape_and_parameters`]: output shape and parameter count are `Conv2d`'s.
    PlainShapeAndParameters,
    /// [`usage_adds_up`]: usage counts add up to the output size.
    UsageAddsUp,
    /// [`fused_equals_composed`]: the fused and composed paths agree.
    FusedEqualsComposed,
}

impl fmt::Display for Law {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Law::Identity => "resampling to the same length is the identity",
            Law::Constants => "constants stay constant",
            Law::LinearRamps => "linear ramps stay linear",
            Law::Adjoint => "the gradient of the resampling is its adjoint",
            Law::AreaAverages => "a shrink averages every tap with a widened triangle",
            Law::BranchSizes => "branch kernels have floor(k * factor) taps",
            Law::UnitScaleIsPlain => "the scale set [1] is the plain Conv2d",
            Law::PlainShapeAndParameters => "output shape and parameter count are Conv2d's",
            Law::UsageAddsUp => "usage counts add up to the output size",
            Law::FusedEqualsComposed => "the fused and composed paths agree",
        })
    }
}

/// A law that does not hold: which law, for what, where, and by how much. It is an error
/// type, so a checker's `?` fails a `proptest!` case with its message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LawViolation {
    /// A resampling law: the worst deviation of a weight, row or value from the law.
    #[error(
        "{law} fails for {method:?} resampling {in_len} -> {out_len} taps: deviation {worst:e} \
         at index {index}, above the tolerance {tolerance:e}"
    )]
    Resampling {
        /// The law.
        law: Law,
        /// The method.
        method: KernelResampling,
        /// The source length.
        in_len: usize,
        /// The target length.
        out_len: usize,
        /// Where the worst deviation is: the flat `[out, in]` index of a weight (identity,
        /// area), the output row (constants, ramps) or the input tap (adjoint).
        index: usize,
        /// The worst deviation (infinite for a NaN).
        worst: f64,
        /// The tolerance it exceeds.
        tolerance: f64,
    },
    /// An input tap that no output row reads: a shrink that skips it.
    #[error(
        "{law} fails for {method:?} resampling {in_len} -> {out_len} taps: no output reads \
         input tap {tap}"
    )]
    TapIgnored {
        /// The law.
        law: Law,
        /// The method.
        method: KernelResampling,
        /// The source length.
        in_len: usize,
        /// The target length.
        out_len: usize,
        /// The tap every row gives a zero weight.
        tap: usize,
    },
    /// A layer law on values: the worst deviation of an output element.
    #[error(
        "{law} fails for kernel {kernel_size:?}, scales {scales}: deviation {worst:e} at \
         element {index}, above the tolerance {tolerance:e}"
    )]
    Layer {
        /// The law.
        law: Law,
        /// The layer's kernel size `[time, freq]`.
        kernel_size: [usize; 2],
        /// The layer's scale set, as text.
        scales: String,
        /// The flat index of the worst output element.
        index: usize,
        /// The worst relative deviation (infinite for a NaN).
        worst: f64,
        /// The tolerance it exceeds.
        tolerance: f64,
    },
    /// A law on sizes or counts that gives other numbers than it should.
    #[error(
        "{law} fails for kernel {kernel_size:?}, scales {scales}: {what} is {got:?}, expected {expected:?}"
    )]
    Mismatch {
        /// The law.
        law: Law,
        /// The layer's kernel size `[time, freq]`.
        kernel_size: [usize; 2],
        /// The layer's scale set, as text.
        scales: String,
        /// What was counted or measured.
        what: &'static str,
        /// What it is.
        got: Vec<usize>,
        /// What the law says.
        expected: Vec<usize>,
    },
    /// The method gives no valid matrix for these lengths (a zero length, or a custom method's
    /// matrix of the wrong size or with a non-finite weight), so no law can hold.
    #[error("{law} cannot be checked: {error}")]
    Matrix {
        /// The law.
        law: Law,
        /// Why the matrix is invalid.
        error: MtsConfigError,
    },
}

impl LawViolation {
    /// The law that fails.
    pub fn law(&self) -> Law {
        match self {
            Self::Resampling { law, .. }
            | Self::TapIgnored { law, .. }
            | Self::Layer { law, .. }
            | Self::Mismatch { law, .. }
            | Self::Matrix { law, .. } => *law,
        }
    }
}

/// The `(index, deviation)` with the largest deviation, a NaN counting as infinite.
fn worst(deviations: impl Iterator<Item = (usize, f64)>) -> (usize, f64) {
    deviations
        .map(|(i, d)| (i, if d.is_nan() { f64::INFINITY } else { d }))
        .fold(
            (0, 0.0),
            |best, next| if next.1 > best.1 { next } else { best },
        )
}

/// What a resampling law is checked on.
#[derive(Clone, Copy)]
struct Subject {
    law: Law,
    method: KernelResampling,
    in_len: usize,
    out_len: usize,
}

impl Subject {
    fn new(law: Law, method: KernelResampling, in_len: usize, out_len: usize) -> Self {
        Self {
            law,
            method,
            in_len,
            out_len,
        }
    }

    /// The method's `[out_len, in_len]` matrix, or the violation saying why there is none.
    fn matrix(self) -> Result<Vec<f64>, LawViolation> {
        self.method
            .matrix(self.in_len, self.out_len)
            .map_err(|error| LawViolation::Matrix {
                law: self.law,
                error,
            })
    }

    /// `Ok` if the worst of `deviations` is within `tolerance`.
    fn judge(
        self,
        deviations: impl Iterator<Item = (usize, f64)>,
        tolerance: f64,
    ) -> Result<(), LawViolation> {
        let (index, worst) = worst(deviations);
        if worst <= tolerance {
            return Ok(());
        }
        Err(LawViolation::Resampling {
            law: self.law,
            method: self.method,
            in_len: self.in_len,
            out_len: self.out_len,
            index,
            worst,
            tolerance,
        })
    }
}

/// **Identity**: the `[len, len]` matrix of `method` is the identity, every weight within
/// [`MATRIX_TOLERANCE`] of `I`. The layers never apply it (an axis whose length does not
/// change is passed through), so a method that breaks this law is discontinuous at scale 1.
pub fn identity(method: KernelResampling, len: usize) -> Result<(), LawViolation> {
    let subject = Subject::new(Law::Identity, method, len, len);
    let matrix = subject.matrix()?;
    let eye = |n: usize| f64::from(u8::from(n / len == n % len));
    let deviations = matrix
        .iter()
        .enumerate()
        .map(|(n, w)| (n, (w - eye(n)).abs()));
    subject.judge(deviations, MATRIX_TOLERANCE)
}

/// **Constants stay constant**: every row of the `[out_len, in_len]` matrix sums to 1 within
/// [`MATRIX_TOLERANCE`], so a kernel constant along the axis is resampled to the same constant.
pub fn constants(
    method: KernelResampling,
    in_len: usize,
    out_len: usize,
) -> Result<(), LawViolation> {
    let subject = Subject::new(Law::Constants, method, in_len, out_len);
    let matrix = subject.matrix()?;
    let rows = matrix.chunks(in_len.max(1)).enumerate();
    subject.judge(
        rows.map(|(j, row)| (j, (row.iter().sum::<f64>() - 1.0).abs())),
        MATRIX_TOLERANCE,
    )
}

/// **Linear ramps stay linear** (PyTorch's `align_corners=False`, explicit size): output row
/// `j` of the ramp `r(i) = i` is `clamp(s_j, 0, in_len - 1)`, where
/// `s_j = (j + 1/2) · in_len / out_len - 1/2` is its source coordinate, within
/// `MATRIX_TOLERANCE · in_len`. Inside `[0, in_len - 1]` that is the ramp itself; outside
/// (the first and last rows of a stretch) PyTorch repeats the edge sample, so the output is
/// flat there. With rows summing to 1, every ramp `a + b·i` then follows.
pub fn linear_ramps(
    method: KernelResampling,
    in_len: usize,
    out_len: usize,
) -> Result<(), LawViolation> {
    let subject = Subject::new(Law::LinearRamps, method, in_len, out_len);
    let matrix = subject.matrix()?;
    let ratio = in_len as f64 / out_len as f64;
    let last = in_len.saturating_sub(1) as f64;
    let deviations = matrix.chunks(in_len).enumerate().map(|(j, row)| {
        let ramp: f64 = row.iter().enumerate().map(|(i, w)| w * i as f64).sum();
        let source = ((j as f64 + 0.5) * ratio - 0.5).clamp(0.0, last);
        (j, (ramp - source).abs())
    });
    subject.judge(deviations, MATRIX_TOLERANCE * in_len as f64)
}

/// **Area averages every tap when it shrinks** (`out_len < in_len`; holds trivially
/// otherwise): with `s = in_len / out_len`, row `j` weighs tap `i` by the triangle
/// `max(0, 1 - |i + 1/2 - s · (j + 1/2)| / s)` (PyTorch's anti-aliased linear: the linear
/// filter widened by `s`), normalised to sum 1 over the kernel's taps, each weight within
/// [`MATRIX_TOLERANCE`]; and every input tap has a nonzero weight in some row (the triangles
/// overlap), else [`LawViolation::TapIgnored`] names the first tap that none reads.
pub fn area_averages(
    method: KernelResampling,
    in_len: usize,
    out_len: usize,
) -> Result<(), LawViolation> {
    let subject = Subject::new(Law::AreaAverages, method, in_len, out_len);
    if out_len >= in_len {
        return Ok(());
    }
    let matrix = subject.matrix()?;
    let read = |i: usize| matrix.iter().skip(i).step_by(in_len).any(|w| *w != 0.0);
    if let Some(tap) = (0..in_len).find(|&i| !read(i)) {
        return Err(LawViolation::TapIgnored {
            law: Law::AreaAverages,
            method,
            in_len,
            out_len,
            tap,
        });
    }
    let s = in_len as f64 / out_len as f64;
    let triangle =
        |j: usize, i: usize| (1.0 - ((i as f64 + 0.5 - s * (j as f64 + 0.5)) / s).abs()).max(0.0);
    let deviations = matrix.chunks(in_len).enumerate().flat_map(|(j, row)| {
        let total: f64 = (0..in_len).map(|i| triangle(j, i)).sum();
        let expected = move |i| triangle(j, i) / total;
        row.iter()
            .enumerate()
            .map(move |(i, w)| (j * in_len + i, (w - expected(i)).abs()))
    });
    subject.judge(deviations, MATRIX_TOLERANCE)
}

/// `Values::Uniform` host values of `shape` from `seed`, as `f32`.
fn uniform(shape: Vec<usize>, seed: u64) -> Vec<f32> {
    let data = Values::Uniform.kernel_data(shape, seed);
    data.try_to_vec::<f32>().expect("the kit's values are f32")
}

/// **The gradient is the adjoint**: for a kernel `k` of `in_len` taps and a cotangent `c` of
/// `out_len` (uniform in `[-1, 1)` from `seed`), resampled along each axis in turn with
/// [`resample_kernel_with`] (what the layers run) on `device` with autodiff, the gradient of
/// `<R k, c>` with respect to `k` equals `Rᵀ c` computed in `f64` from the method's matrix,
/// and `<R k, c> == <k, Rᵀ c>`, within [`TENSOR_TOLERANCE`] (relative). `index` in the
/// report is the input tap, or `in_len` for the inner products.
pub fn adjoint(
    method: KernelResampling,
    in_len: usize,
    out_len: usize,
    seed: u64,
    device: &Device,
) -> Result<(), LawViolation> {
    let subject = Subject::new(Law::Adjoint, method, in_len, out_len);
    let matrix = subject.matrix()?;
    let device = device.clone().autodiff();
    let kernel = uniform(vec![in_len], seed);
    let cotangent = uniform(vec![out_len], seed ^ 1);
    let transposed: Vec<f64> = (0..in_len)
        .map(|i| {
            (0..out_len)
                .map(|j| matrix[j * in_len + i] * f64::from(cotangent[j]))
                .sum()
        })
        .collect();
    let inner: f64 = kernel
        .iter()
        .zip(&transposed)
        .map(|(k, t)| f64::from(*k) * t)
        .sum();
    for axis in [2, 3] {
        let shape = |len: usize| {
            if axis == 2 {
                [1, 1, len, 1]
            } else {
                [1, 1, 1, len]
            }
        };
        let data = |v: &[f32], len| TensorData::new(v.to_vec(), shape(len));
        let k = Tensor::<4>::from_data(data(&kernel, in_len), &device).require_grad();
        let size = shape(out_len);
        let resampled = resample_kernel_with(k.clone(), [size[2], size[3]], method);
        let product = (resampled * Tensor::from_data(data(&cotangent, out_len), &device)).sum();
        let value = f64::from(product.clone().into_scalar::<f32>());
        let gradient = k.grad(&product.backward()).map_or_else(
            || vec![0.0; in_len],
            |g| g.into_data().try_to_vec::<f32>().expect("an f32 gradient"),
        );
        let deviations = gradient.iter().zip(&transposed).enumerate();
        let deviations = deviations.map(|(i, (g, t))| (i, relative(f64::from(*g), *t)));
        let deviations = deviations.chain([(in_len, relative(value, inner))]);
        subject.judge(deviations, TENSOR_TOLERANCE)?;
    }
    Ok(())
}

/// `|actual - expected| / (1 + |expected|)`.
fn relative(actual: f64, expected: f64) -> f64 {
    (actual - expected).abs() / (1.0 + expected.abs())
}

/// A [`LawViolation::Mismatch`] of `case`'s layer, or `Ok` where `got == expected`.
fn compare(
    law: Law,
    case: &LayerCase,
    what: &'static str,
    got: Vec<usize>,
    expected: Vec<usize>,
) -> Result<(), LawViolation> {
    if got == expected {
        return Ok(());
    }
    Err(LawViolation::Mismatch {
        law,
        kernel_size: case.config.kernel_size,
        scales: case.config.scales.to_string(),
        what,
        got,
        expected,
    })
}

/// **Branch sizes follow the rule**: for every scale `(t, f)` of `case`'s configuration, the
/// branch kernel of a `[kt, kf]` kernel is `[floor(kt · t), floor(kf · f)]` taps (in branch
/// order, as [`validate`](crate::MtsConv2dConfig::validate) returns them), and resampling the
/// kernel with the configuration's method to that size gives a kernel of that shape.
pub fn branch_sizes(case: &LayerCase) -> Result<(), LawViolation> {
    let config = &case.config;
    let [kt, kf] = config.kernel_size;
    let rule: Vec<usize> = config
        .scales
        .iter()
        .flat_map(|s| [(kt as f64 * s.time).floor(), (kf as f64 * s.freq).floor()])
        .map(|len| len as usize)
        .collect();
    let sizes = config.validate().map_err(|error| LawViolation::Matrix {
        law: Law::BranchSizes,
        error,
    })?;
    let flat = |sizes: &[[usize; 2]]| sizes.iter().flatten().copied().collect::<Vec<_>>();
    compare(
        Law::BranchSizes,
        case,
        "the branch kernel sizes",
        flat(&sizes),
        rule.clone(),
    )?;
    let kernel = Tensor::<4>::zeros([1, 1, kt, kf], &Device::flex());
    let resampled: Vec<[usize; 2]> = sizes
        .iter()
        .map(|&size| {
            let [.., t, f] = resample_kernel_with(kernel.clone(), size, config.resampling).dims();
            [t, f]
        })
        .collect();
    compare(
        Law::BranchSizes,
        case,
        "the resampled kernel sizes",
        flat(&resampled),
        rule,
    )
}

/// burn's `Conv2d` with the geometry of `case` and the kernel and bias of `layer`.
fn plain_twin(case: &LayerCase, layer: &MtsConv2d, device: &Device) -> Conv2d {
    let config = &case.config;
    let mut conv = Conv2dConfig::new(config.channels, config.kernel_size)
        .with_stride(config.stride)
        .with_dilation(config.dilation)
        .with_groups(config.groups)
        .with_padding(config.padding.clone())
        .with_bias(config.bias)
        .init(device);
    conv.weight = Param::from_tensor(layer.weight.val());
    conv.bias = layer.bias.as_ref().map(|b| Param::from_tensor(b.val()));
    conv
}

/// `Ok` if every element of `actual` is within [`TENSOR_TOLERANCE`] (relative) of `expected`.
fn agree(
    law: Law,
    case: &LayerCase,
    actual: Tensor<4>,
    expected: Tensor<4>,
) -> Result<(), LawViolation> {
    compare(
        law,
        case,
        "the output shape",
        actual.dims().into(),
        expected.dims().into(),
    )?;
    let host = |t: Tensor<4>| t.into_data().try_to_vec::<f32>().expect("f32 outputs");
    let (actual, expected) = (host(actual), host(expected));
    let deviations = actual.iter().zip(&expected).enumerate();
    let (index, worst) =
        worst(deviations.map(|(n, (a, e))| (n, relative(f64::from(*a), f64::from(*e)))));
    if worst <= TENSOR_TOLERANCE {
        return Ok(());
    }
    Err(LawViolation::Layer {
        law,
        kernel_size: case.config.kernel_size,
        scales: case.config.scales.to_string(),
        index,
        worst,
        tolerance: TENSOR_TOLERANCE,
    })
}

/// **The scale set `[1]` is the plain layer**: `case`'s configuration with its scales replaced
/// by `[1]` computes, on `case`'s input, what burn's `Conv2d` of the same geometry, kernel and
/// bias computes, every element within [`TENSOR_TOLERANCE`] (relative).
pub fn unit_scale_is_plain(case: &LayerCase, device: &Device) -> Result<(), LawViolation> {
    let unit = LayerCase {
        config: case.config.clone().with_scales(ScaleSet::time(&[1.0])),
        ..case.clone()
    };
    let layer = unit.layer(device);
    let conv = plain_twin(&unit, &layer, device);
    let input = unit.input(device);
    agree(
        Law::UnitScaleIsPlain,
        &unit,
        layer.forward(input.clone()),
        conv.forward(input),
    )
}

/// **Output shape and parameter count are the plain layer's**: `case`'s layer has as many
/// parameters as burn's `Conv2d` of the same geometry, and its output on `case`'s input has
/// the shape of that `Conv2d`'s.
pub fn plain_shape_and_parameters(case: &LayerCase, device: &Device) -> Result<(), LawViolation> {
    let law = Law::PlainShapeAndParameters;
    let layer = case.layer(device);
    let conv = plain_twin(case, &layer, device);
    compare(
        law,
        case,
        "the parameter count",
        vec![layer.num_params()],
        vec![conv.num_params()],
    )?;
    let input = case.input(device);
    let (got, expected) = (
        layer.forward(input.clone()).dims(),
        conv.forward(input).dims(),
    );
    compare(law, case, "the output shape", got.into(), expected.into())
}

/// **Usage counts add up to the output size**: the [`ScaleUsage`](crate::ScaleUsage) of
/// `case`'s layer on `case`'s input counts exactly one winning branch per output element.
pub fn usage_adds_up(case: &LayerCase, device: &Device) -> Result<(), LawViolation> {
    let (output, usage) = case.layer(device).forward_with_usage(case.input(device));
    let total = vec![usize::try_from(usage.total()).unwrap_or(usize::MAX)];
    let elements = vec![output.shape().num_elements()];
    compare(Law::UsageAddsUp, case, "the usage total", total, elements)
}

/// **The fused and composed paths agree**: `case`'s layer gives the same output on `case`'s
/// input as it does inside [`with_composed_path`](crate::with_composed_path), every element
/// within [`TENSOR_TOLERANCE`] (relative). Without the fused kernels (other backends, or
/// feature `cpu-kernels` off) both are the composed path.
pub fn fused_equals_composed(case: &LayerCase, device: &Device) -> Result<(), LawViolation> {
    let layer = case.layer(device);
    let input = case.input(device);
    let composed = crate::with_composed_path(|| layer.forward(input.clone()));
    agree(
        Law::FusedEqualsComposed,
        case,
        layer.forward(input),
        composed,
    )
}
