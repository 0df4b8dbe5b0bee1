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

use super::host::{DirectConvShape, LANES, Lanes, avx2_dispatch, load};

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

/// `y[b, o, p, q] = sum over (i, t, f) of x[b, i, p + t, q + f] * w[o, i, t, f], plus bias[o]`
/// for a padded `x` `[batch, in, rows, cols]`, `w` `[out, in, kt, kf]`, `bias` `[out]`; `y` is
/// `[batch, out, p, q]`.
pub(crate) fn conv_forward(x: &[f32], w: &[f32], bias: &[f32], shape: DirectConvShape) -> Vec<f32> {
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
                    conv_block_dispatch(x, w, bias, shape, block * OUT_BLOCK, out);
                });
        });
    y
}

avx2_dispatch! {
    /// [`conv_block`] compiled for AVX2 where the CPU has it, else the portable build.
    fn conv_block_dispatch / conv_block_avx2 => conv_block(
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
#[allow(clippy::needless_range_loop)] // lane indices keep the loops in the shape LLVM vectorises
fn conv_block(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    shape: DirectConvShape,
    first_out: usize,
    out: &mut [f32],
) {
    let [p, q] = shape.output();
    let [rows, cols] = shape.input;
    let [kt, kf] = shape.kernel;
    let taps = shape.channels_in * kt * kf;
    let outs = out.len() / (p * q);
    let weights = |a: usize| &w[(first_out + a) * taps..(first_out + a + 1) * taps];
    let wide = q / (COL_BLOCK * LANES) * (COL_BLOCK * LANES);
    for row in 0..p {
        for col in (0..wide).step_by(COL_BLOCK * LANES) {
            let mut sums = [[[0f32; LANES]; COL_BLOCK]; OUT_BLOCK];
            for i in 0..shape.channels_in {
                for t in 0..kt {
                    let x_row = &x[(i * rows + row + t) * cols..(i * rows + row + t + 1) * cols];
                    for f in 0..kf {
                        let xv: [Lanes; COL_BLOCK] =
                            core::array::from_fn(|c| load(x_row, col + c * LANES + f));
                        let tap = (i * kt + t) * kf + f;
                        for a in 0..OUT_BLOCK.min(outs) {
                            let wv = weights(a)[tap];
                            for c in 0..COL_BLOCK {
                                for l in 0..LANES {
                                    sums[a][c][l] += xv[c][l] * wv;
                                }
                            }
                        }
                    }
                }
            }
            for a in 0..outs {
                let y_row = &mut out[(a * p + row) * q..(a * p + row + 1) * q];
                for c in 0..COL_BLOCK {
                    for l in 0..LANES {
                        y_row[col + c * LANES + l] = sums[a][c][l] + bias[first_out + a];
                    }
                }
            }
        }
        // The last columns, one at a time, in the same order.
        for col in wide..q {
            for a in 0..outs {
                let mut sum = 0f32;
                for i in 0..shape.channels_in {
                    for t in 0..kt {
                        let x_row = (i * rows + row + t) * cols;
                        for f in 0..kf {
                            sum += x[x_row + col + f] * weights(a)[(i * kt + t) * kf + f];
                        }
                    }
                }
                out[(a * p + row) * q + col] = sum + bias[first_out + a];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.0) - 1.0)
            .collect()
    }

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

    #[test]
    fn equals_the_definition_to_the_bit() {
        for (batch, channels_in, channels_out, input, kernel) in [
            (2, 1, 10, [30, 41], [10, 5]),
            (1, 3, 5, [12, 16], [3, 3]),
            (3, 4, 16, [9, 70], [2, 7]),
            (1, 1, 1, [20, 33], [20, 1]),
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
            let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
            assert_eq!(
                bits(conv_forward(&x, &w, &bias, shape)),
                bits(reference(&x, &w, &bias, shape)),
                "{shape:?}"
            );
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
            let ours = conv_forward(&padded, &w, &bias, shape);
            let bits = |v: Vec<f32>| {
                v.into_iter()
                    .map(|v| match v {
                        _ if v.is_nan() => u32::MAX, // any NaN (burn writes a positive one)
                        0.0 => 0,                    // either zero
                        _ => v.to_bits(),
                    })
                    .collect::<Vec<_>>()
            };
            assert!(poison == ours.iter().any(|v| v.is_nan()));
            assert_eq!(
                bits(ours),
                bits(burns.to_data().to_vec::<f32>().unwrap()),
                "{kernel:?}"
            );
        }
    }
}
