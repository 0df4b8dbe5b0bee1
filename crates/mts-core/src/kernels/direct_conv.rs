//! The forward convolution of a branch with few channels, on host memory, register-blocked:
//! each load of an input vector serves four output channels and each output vector stays in
//! registers over every kernel tap.
//!
//! Every output element is summed exactly as burn-flex sums it on its path for few channels
//! (at most 4 in, 16 out): from zero, over input channels, kernel rows and kernel columns in
//! that order, `sum + x * w` without fused multiply-adds, the bias added last. The values are
//! therefore burn's to the bit, and the fused layer's winners equal the composed path's. (The
//! input here is padded with zeros where burn skips the padded taps: adding `0 * w` changes at
//! most the sign of a zero sum, and gives NaN where `w` is not finite, as burn's does.)

use rayon::prelude::*;

use super::host::{DirectConvShape, LANES, Lanes, Planes, load, mul_add, pad_planes};
use super::isa::{Isa, avx2_dispatch};

/// Output channels that share each input load.
const OUT_BLOCK: usize = 4;
/// Vectors of output columns kept in registers at once.
const COL_BLOCK: usize = 2;

/// Whether burn-flex takes its path for few channels for this kernel `[out, in, rows, cols]`
/// (ungrouped, not 1 x 1), so that [`conv_forward`] reproduces its values.
pub(crate) fn matches_burn_flex(kernel: [usize; 4]) -> bool {
    let [out, channels_in, rows, cols] = kernel;
    (1..=4).contains(&channels_in) && (1..=16).contains(&out) && (rows, cols) != (1, 1)
}

/// The most input and output channels the direct kernels take where burn-flex would run its
/// general path (im2col and a GEMM, which for so few output channels mostly moves memory).
const MAX_CHANNELS: usize = 16;

/// Whether the direct forward replaces burn's general path for this kernel `[out, in, rows,
/// cols]`: 5 to [`MAX_CHANNELS`] input channels, at most as many output channels, not 1 x 1.
/// The values then equal burn's within float rounding, not to the bit (a GEMM sums in its own
/// order), on Flex and NdArray alike.
pub(crate) fn serves_many_channels(kernel: [usize; 4]) -> bool {
    let [out, channels_in, rows, cols] = kernel;
    (5..=MAX_CHANNELS).contains(&channels_in)
        && (1..=MAX_CHANNELS).contains(&out)
        && (rows, cols) != (1, 1)
}

/// The gradient of [`conv_forward`] with respect to its padded input: `dx[b, i, r, c] = sum
/// over (o, t, f) of dy[b, o, r - t, c - f] * w[o, i, t, f]`, a forward convolution of `dy`
/// `[batch, out, p, q]` padded by the kernel size less one, with the kernel flipped and its
/// channel axes swapped. `shape` is the forward's; the result is `[batch, in, rows, cols]`.
/// `isa` picks the build of the inner loops.
pub(crate) fn input_gradient(
    grad: &[f32],
    w: &[f32],
    shape: DirectConvShape,
    isa: Isa,
) -> Vec<f32> {
    let [kt, kf] = shape.kernel;
    let from = Planes {
        planes: shape.batch * shape.channels_out,
        size: shape.output(),
    };
    let pad = [kt, kf].map(|k| (k as i64 - 1, k as i64 - 1));
    let (padded, planes) = pad_planes(grad, from, pad);
    let taps = kt * kf;
    let mut flipped = vec![0f32; w.len()];
    for o in 0..shape.channels_out {
        for i in 0..shape.channels_in {
            let src = &w[(o * shape.channels_in + i) * taps..][..taps];
            let dst = &mut flipped[(i * shape.channels_out + o) * taps..][..taps];
            for (d, s) in dst.iter_mut().zip(src.iter().rev()) {
                *d = *s;
            }
        }
    }
    let transposed = DirectConvShape {
        batch: shape.batch,
        channels_in: shape.channels_out,
        channels_out: shape.channels_in,
        input: planes.size,
        kernel: shape.kernel,
    };
    conv_forward(
        &padded,
        &flipped,
        &vec![0f32; shape.channels_in],
        transposed,
        isa,
    )
}

/// `y[b, o, p, q] = sum over (i, t, f) of x[b, i, p + t, q + f] * w[o, i, t, f], plus bias[o]`
/// for a padded `x` `[batch, in, rows, cols]`, `w` `[out, in, kt, kf]`, `bias` `[out]`; `y` is
/// `[batch, out, p, q]`. `isa` picks the build of the inner loops.
pub(crate) fn conv_forward(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    isa: Isa,
) -> Vec<f32> {
    let [p, q] = shape.output();
    let [rows, cols] = shape.input;
    let (plane, x_item) = (p * q, shape.channels_in * rows * cols);
    let mut y = vec![0f32; shape.batch * shape.channels_out * plane];
    if plane == 0 {
        return y;
    }
    y.par_chunks_mut(shape.channels_out * plane)
        .enumerate()
        .for_each(|(b, item)| {
            item.par_chunks_mut(OUT_BLOCK * plane)
                .enumerate()
                .for_each(|(block, out)| {
                    let x = &x[b * x_item..(b + 1) * x_item];
                    conv_block_dispatch(isa, x, w, bias, shape, block * OUT_BLOCK, out);
                });
        });
    y
}

avx2_dispatch! {
    /// [`conv_block`] in `isa`'s build.
    fn conv_block_dispatch / conv_block_avx2 => conv_block::<FMA>(
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        shape: DirectConvShape,
        first_out: usize,
        out: &mut [f32],
    )
}

/// The output planes `first_out..` (as many as `out` holds, at most [`OUT_BLOCK`]) of one
/// batch item `x` `[in, rows, cols]`.
#[inline(always)]
fn conv_block<const FMA: bool>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    first_out: usize,
    out: &mut [f32],
) {
    let [p, q] = shape.output();
    let kernel = [
        shape.channels_out,
        shape.channels_in,
        shape.kernel[0],
        shape.kernel[1],
    ];
    // burn-flex's sums, unfused, where its values are to be reproduced.
    if FMA && !matches_burn_flex(kernel) {
        conv_channels::<true>(x, w, bias, shape, first_out, out, p * q);
    } else {
        conv_channels::<false>(x, w, bias, shape, first_out, out, p * q);
    }
}

/// [`conv_block`] for as many output channels as `out` holds: a fixed count per call keeps
/// the sums in registers.
#[inline(always)]
fn conv_channels<const FMA: bool>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    first_out: usize,
    out: &mut [f32],
    plane: usize,
) {
    match out.len() / plane {
        1 => conv_rows::<FMA, 1>(x, w, bias, shape, first_out, out),
        2 => conv_rows::<FMA, 2>(x, w, bias, shape, first_out, out),
        3 => conv_rows::<FMA, 3>(x, w, bias, shape, first_out, out),
        _ => conv_rows::<FMA, OUT_BLOCK>(x, w, bias, shape, first_out, out),
    }
}

/// [`conv_block`] for `OUTS` output planes: blocks of [`COL_BLOCK`] vectors of columns, then
/// the rest one vector at a time, the last one ending at the row's end (it recomputes some
/// columns, to the same values). Rows narrower than a vector are summed one value at a time.
#[inline(always)]
fn conv_rows<const FMA: bool, const OUTS: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    first_out: usize,
    out: &mut [f32],
) {
    let [p, q] = shape.output();
    let wide = q / (COL_BLOCK * LANES) * (COL_BLOCK * LANES);
    let at = |row, col| Block {
        first_out,
        row,
        col,
    };
    for row in 0..p {
        if q < LANES {
            for col in 0..q {
                conv_scalar::<OUTS>(x, w, bias, shape, at(row, col), out);
            }
            continue;
        }
        for col in (0..wide).step_by(COL_BLOCK * LANES) {
            conv_vectors::<FMA, OUTS, COL_BLOCK>(x, w, bias, shape, at(row, col), out);
        }
        for col in (wide..q).step_by(LANES) {
            conv_vectors::<FMA, OUTS, 1>(x, w, bias, shape, at(row, col.min(q - LANES)), out);
        }
    }
}

/// Where a block of outputs starts: its first output channel, row and column.
#[derive(Clone, Copy)]
struct Block {
    first_out: usize,
    row: usize,
    col: usize,
}

/// `COLS` vectors of output columns of `OUTS` output channels from `at`, each summed from zero
/// over input channels, kernel rows and kernel columns, the bias added last.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane indices keep the loops in the shape LLVM vectorises
fn conv_vectors<const FMA: bool, const OUTS: usize, const COLS: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    at: Block,
    out: &mut [f32],
) {
    let [p, q] = shape.output();
    let [rows, cols] = shape.input;
    let [kt, kf] = shape.kernel;
    let taps = shape.channels_in * kt * kf;
    let weights: [&[f32]; OUTS] = core::array::from_fn(|a| &w[(at.first_out + a) * taps..][..taps]);
    let mut sums = [[[0f32; LANES]; COLS]; OUTS];
    for i in 0..shape.channels_in {
        for t in 0..kt {
            // One input row and one kernel row per output channel, sliced once: the loop over
            // kernel columns then needs no bounds checks.
            let x_row = (i * rows + at.row + t) * cols + at.col;
            let xs = &x[x_row..x_row + COLS * LANES + kf - 1];
            let first_tap = (i * kt + t) * kf;
            let ws: [&[f32]; OUTS] =
                core::array::from_fn(|a| &weights[a][first_tap..first_tap + kf]);
            for f in 0..kf {
                let xv: [Lanes; COLS] = core::array::from_fn(|c| load(xs, c * LANES + f));
                for a in 0..OUTS {
                    let wv = ws[a][f];
                    for c in 0..COLS {
                        for l in 0..LANES {
                            sums[a][c][l] = mul_add::<FMA>(sums[a][c][l], xv[c][l], wv);
                        }
                    }
                }
            }
        }
    }
    for a in 0..OUTS {
        let y_row = &mut out[(a * p + at.row) * q + at.col..][..COLS * LANES];
        let b = bias[at.first_out + a];
        for c in 0..COLS {
            for l in 0..LANES {
                y_row[c * LANES + l] = sums[a][c][l] + b;
            }
        }
    }
}

/// One output column of `OUTS` output channels at `at`, summed as [`conv_vectors`] sums it.
#[inline(always)]
fn conv_scalar<const OUTS: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    at: Block,
    out: &mut [f32],
) {
    let [p, q] = shape.output();
    let [rows, cols] = shape.input;
    let [kt, kf] = shape.kernel;
    let taps = shape.channels_in * kt * kf;
    for a in 0..OUTS {
        let o = at.first_out + a;
        let mut sum = 0f32;
        for i in 0..shape.channels_in {
            for t in 0..kt {
                let x_row = (i * rows + at.row + t) * cols + at.col;
                for f in 0..kf {
                    sum += x[x_row + f] * w[o * taps + (i * kt + t) * kf + f];
                }
            }
        }
        out[(a * p + at.row) * q + at.col] = sum + bias[o];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::host::tests::pseudo;
    use crate::kernels::isa::tests::available;

    /// The definition, summed in the documented order.
    #[allow(clippy::needless_range_loop)] // the loops are the definition's indices
    fn reference(x: &[f32], w: &[f32], bias: &[f32], shape: DirectConvShape) -> Vec<f32> {
        let [p, q] = shape.output();
        let [rows, cols] = shape.input;
        let [kt, kf] = shape.kernel;
        let mut y = Vec::new();
        for b in 0..shape.batch {
            for o in 0..shape.channels_out {
                for row in 0..p {
                    for col in 0..q {
                        let mut sum = 0f32;
                        for i in 0..shape.channels_in {
                            for t in 0..kt {
                                for f in 0..kf {
                                    let xi = ((b * shape.channels_in + i) * rows + row + t) * cols
                                        + col
                                        + f;
                                    let wi = ((o * shape.channels_in + i) * kt + t) * kf + f;
                                    sum += x[xi] * w[wi];
                                }
                            }
                        }
                        y.push(sum + bias[o]);
                    }
                }
            }
        }
        y
    }

    /// Few channels, and any channel count in the portable build: the definition's sums to the
    /// bit (no fused multiply-adds); more in the AVX2 build: within rounding (fused). Both
    /// builds this CPU runs.
    #[test]
    fn equals_the_definition() {
        for (batch, channels_in, channels_out, input, kernel) in [
            (2, 1, 10, [30, 41], [10, 5]),
            (1, 3, 5, [12, 16], [3, 3]),
            (3, 4, 16, [9, 70], [2, 7]),
            (1, 1, 1, [20, 33], [20, 1]),
            (1, 2, 3, [8, 10], [2, 4]), // 7 columns: narrower than a vector
            (2, 10, 7, [14, 29], [5, 5]), // many channels, 25 columns: one overlapping vector
            (1, 6, 3, [8, 10], [2, 4]),
        ] {
            let shape = DirectConvShape {
                batch,
                channels_in,
                channels_out,
                input,
                kernel,
            };
            let x = pseudo(batch * channels_in * input[0] * input[1], 1);
            let w = pseudo(channels_out * channels_in * kernel[0] * kernel[1], 2);
            let bias = pseudo(channels_out, 3);
            let expected = reference(&x, &w, &bias, shape);
            for isa in available() {
                let ours = conv_forward(&x, &w, &bias, shape, isa);
                let kernel = [channels_out, channels_in, kernel[0], kernel[1]];
                if matches_burn_flex(kernel) || !isa.avx2_fma() {
                    let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&ours), bits(&expected), "{shape:?} {isa:?}");
                } else {
                    assert_eq!(ours.len(), expected.len());
                    for (a, e) in ours.iter().zip(&expected) {
                        assert!(
                            (a - e).abs() <= 1e-5 * e.abs().max(1.0),
                            "{shape:?}: {a} vs {e}"
                        );
                    }
                }
            }
        }
    }

    /// The input gradient against its definition, `dx[b, i, r, c] = sum over (o, t, f) of
    /// dy[b, o, r - t, c - f] * w[o, i, t, f]`, summed here in another order.
    #[test]
    fn input_gradient_matches_the_definition() {
        for (batch, channels_in, channels_out, input, kernel) in [
            (2, 10, 10, [16, 30], [5, 5]),
            (1, 3, 6, [9, 21], [4, 2]),
            (3, 1, 2, [7, 12], [1, 3]),
        ] {
            let shape = DirectConvShape {
                batch,
                channels_in,
                channels_out,
                input,
                kernel,
            };
            let [p, q] = shape.output();
            let [kt, kf] = kernel;
            let dy = pseudo(batch * channels_out * p * q, 5);
            let w = pseudo(channels_out * channels_in * kt * kf, 6);
            let mut expected = vec![0f64; batch * channels_in * input[0] * input[1]];
            for b in 0..batch {
                for o in 0..channels_out {
                    for (row, col) in (0..p).flat_map(|row| (0..q).map(move |col| (row, col))) {
                        let g = dy[((b * channels_out + o) * p + row) * q + col] as f64;
                        for i in 0..channels_in {
                            for (t, f) in (0..kt).flat_map(|t| (0..kf).map(move |f| (t, f))) {
                                let wv = w[((o * channels_in + i) * kt + t) * kf + f] as f64;
                                let at = ((b * channels_in + i) * input[0] + row + t) * input[1]
                                    + col
                                    + f;
                                expected[at] += g * wv;
                            }
                        }
                    }
                }
            }
            for isa in available() {
                let ours = input_gradient(&dy, &w, shape, isa);
                assert_eq!(ours.len(), expected.len());
                for (a, e) in ours.iter().zip(&expected) {
                    assert!(
                        (*a as f64 - e).abs() < 1e-4,
                        "{shape:?} {isa:?}: {a} vs {e}"
                    );
                }
            }
        }
    }

    /// burn-flex's convolution (its path for few channels) and the direct kernel on the same
    /// input, padded here: the same values to the bit (zeros and NaNs compared by value),
    /// including the NaN a non-finite weight spreads over the padding.
    #[test]
    fn equals_burn_flex_to_the_bit() {
        use crate::kernels::host::{Planes, pad_planes};
        use burn::tensor::module::conv2d;
        use burn::tensor::ops::ConvOptions;
        use burn::tensor::{Device, Distribution, Tensor, TensorData};

        let device = Device::flex();
        device.seed(5);
        for (channels_in, channels_out, kernel, pad, poison) in [
            (1, 10, [10, 5], [4, 2], false),
            (1, 1, [7, 3], [0, 0], false),
            (3, 16, [2, 4], [1, 3], false),
            (4, 5, [3, 3], [1, 1], true),
        ] {
            let x = Tensor::<4>::random(
                [2, channels_in, 13, 37],
                Distribution::Normal(0., 1.),
                &device,
            );
            let mut w = pseudo(channels_out * channels_in * kernel[0] * kernel[1], 9);
            if poison {
                w[3] = f32::INFINITY;
            }
            let bias = pseudo(channels_out, 4);
            let weight = Tensor::<4>::from_data(
                TensorData::new(w.clone(), [channels_out, channels_in, kernel[0], kernel[1]]),
                &device,
            );
            let options = ConvOptions::new([1, 1], pad, [1, 1], 1);
            let burns = conv2d(
                x.clone(),
                weight,
                Some(Tensor::from_data(
                    TensorData::new(bias.clone(), [channels_out]),
                    &device,
                )),
                options,
            );
            let from = Planes {
                planes: 2 * channels_in,
                size: [13, 37],
            };
            let pads = [
                (pad[0] as i64, pad[0] as i64),
                (pad[1] as i64, pad[1] as i64),
            ];
            let (padded, planes) = pad_planes(&x.to_data().to_vec::<f32>().unwrap(), from, pads);
            let shape = DirectConvShape {
                batch: 2,
                channels_in,
                channels_out,
                input: planes.size,
                kernel,
            };
            let bits = |v: Vec<f32>| {
                v.into_iter()
                    .map(|v| match v {
                        _ if v.is_nan() => u32::MAX, // any NaN (burn writes a positive one)
                        0.0 => 0,                    // either zero
                        _ => v.to_bits(),
                    })
                    .collect::<Vec<_>>()
            };
            let burns = bits(burns.to_data().to_vec::<f32>().unwrap());
            for isa in available() {
                let ours = conv_forward(&padded, &w, &bias, shape, isa);
                assert!(poison == ours.iter().any(|v| v.is_nan()));
                assert_eq!(bits(ours), burns, "{kernel:?} {isa:?}");
            }
        }
    }
}
