//! The fused MTS kernels on host memory (`f32` slices): the branch merge (resize to the
//! reference grid and max, value and winner in one pass), its transpose (the gradient of one
//! branch), and the kernel gradient of a stride-1 convolution. No burn types here; the backend
//! glue is in `kernels/cpu.rs`.

use rayon::prelude::*;

use super::isa::{Isa, avx2_dispatch};
use crate::resample::LinearTaps;

/// `sum + a * b`, rounded once where `FMA` (the AVX2 build of a kernel, see
/// [`avx2_dispatch!`](super::isa::avx2_dispatch))
/// and twice elsewhere.
#[inline(always)]
pub(crate) fn mul_add<const FMA: bool>(sum: f32, a: f32, b: f32) -> f32 {
    if FMA { a.mul_add(b, sum) } else { sum + a * b }
}

/// A stack of `planes` 2-D planes of `[rows, cols]` (a `[batch, channels, rows, cols]` tensor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Planes {
    pub(crate) planes: usize,
    pub(crate) size: [usize; 2],
}

impl Planes {
    fn len(&self) -> usize {
        self.size[0] * self.size[1]
    }
}

/// Linear taps from `from` samples to `to`, or `None` when the axis keeps its length (the
/// composed path returns the tensor unchanged then, so no arithmetic may happen either).
fn taps(from: usize, to: usize) -> Option<LinearTaps> {
    (from != to).then(|| LinearTaps::new(from, to))
}

/// Row `row` of the reference grid from one branch plane, resized along time then
/// frequency with the same `lo + (hi - lo) * w` arithmetic as `resize_axis`, into `out`;
/// `time_row` is scratch of the branch's row length.
#[inline]
fn resized_row(
    plane: &[f32],
    cols: usize,
    row_taps: Option<&LinearTaps>,
    col_taps: Option<&LinearTaps>,
    row: usize,
    time_row: &mut [f32],
    out: &mut [f32],
) {
    let time_resized: &[f32] = match row_taps {
        None => &plane[row * cols..(row + 1) * cols],
        Some(t) => {
            let (lo, hi, w) = (t.lower[row] as usize, t.upper[row] as usize, t.weight[row]);
            let (lo, hi) = (
                &plane[lo * cols..(lo + 1) * cols],
                &plane[hi * cols..(hi + 1) * cols],
            );
            for ((v, &lo), &hi) in time_row.iter_mut().zip(lo).zip(hi) {
                *v = lo + (hi - lo) * w;
            }
            time_row
        }
    };
    match col_taps {
        None => out.copy_from_slice(time_resized),
        Some(t) => {
            for (col, v) in out.iter_mut().enumerate() {
                let lo = time_resized[t.lower[col] as usize];
                let hi = time_resized[t.upper[col] as usize];
                *v = lo + (hi - lo) * t.weight[col];
            }
        }
    }
}

/// Merges every branch (each laid out as its `Planes`) into `best` / `winners` (laid out as
/// `to`) in one pass: the first branch wins ties, a later one replaces the best only when
/// strictly greater, as the composed merge does.
pub(crate) fn merge_branches(
    best: &mut [f32],
    winners: &mut [i32],
    branches: &[(&[f32], Planes)],
    to: Planes,
    isa: Isa,
) {
    let taps: Vec<_> = branches
        .iter()
        .map(|(_, from)| {
            (
                taps(from.size[0], to.size[0]),
                taps(from.size[1], to.size[1]),
            )
        })
        .collect();
    let width = to.size[1];
    best.par_chunks_mut(to.len())
        .zip(winners.par_chunks_mut(to.len()))
        .enumerate()
        .for_each(|(plane, (best, winners))| {
            let mut time_row =
                vec![0f32; branches.iter().map(|(_, p)| p.size[1]).max().unwrap_or(0)];
            let mut values = vec![0f32; width];
            for row in 0..to.size[0] {
                let best = &mut best[row * width..(row + 1) * width];
                let winners = &mut winners[row * width..(row + 1) * width];
                for (index, ((branch, from), (rows, cols))) in
                    branches.iter().zip(&taps).enumerate()
                {
                    let branch_plane = &branch[plane * from.len()..(plane + 1) * from.len()];
                    let scratch = &mut time_row[..from.size[1]];
                    if index == 0 {
                        resized_row(
                            branch_plane,
                            from.size[1],
                            rows.as_ref(),
                            cols.as_ref(),
                            row,
                            scratch,
                            best,
                        );
                        winners.fill(0);
                        continue;
                    }
                    resized_row(
                        branch_plane,
                        from.size[1],
                        rows.as_ref(),
                        cols.as_ref(),
                        row,
                        scratch,
                        &mut values,
                    );
                    max_into_dispatch(isa, best, winners, &values, index as i32);
                }
            }
        });
}

avx2_dispatch! {
    /// `best = max(best, values)` element-wise, `winners = index` where `values` is strictly
    /// greater (never where it is NaN), in `isa`'s build.
    fn max_into_dispatch / max_into_avx2 =>
        max_into(best: &mut [f32], winners: &mut [i32], values: &[f32], index: i32)
}

/// See [`max_into_dispatch`]. Lanes of eight with unconditional stores: written as a
/// per-element `if`, the compiler emits one conditional store per element.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane indices keep the loops in the shape LLVM vectorises
fn max_into(best: &mut [f32], winners: &mut [i32], values: &[f32], index: i32) {
    let mut best_lanes = best.chunks_exact_mut(LANES);
    let mut winner_lanes = winners.chunks_exact_mut(LANES);
    let mut value_lanes = values.chunks_exact(LANES);
    for ((b, w), v) in (&mut best_lanes)
        .zip(&mut winner_lanes)
        .zip(&mut value_lanes)
    {
        let (b, w, v): (&mut [f32; LANES], &mut [i32; LANES], &[f32; LANES]) = (
            b.try_into().expect("a chunk of LANES"),
            w.try_into().expect("a chunk of LANES"),
            v.try_into().expect("a chunk of LANES"),
        );
        let mut new_best = [0f32; LANES];
        let mut new_winner = [0i32; LANES];
        for l in 0..LANES {
            // All ones where strictly greater: blends that the compiler vectorises.
            let mask = 0u32.wrapping_sub(u32::from(v[l] > b[l]));
            new_best[l] = f32::from_bits((v[l].to_bits() & mask) | (b[l].to_bits() & !mask));
            new_winner[l] = (index & mask as i32) | (w[l] & !(mask as i32));
        }
        *b = new_best;
        *w = new_winner;
    }
    let tail = best_lanes
        .into_remainder()
        .iter_mut()
        .zip(winner_lanes.into_remainder());
    for ((b, w), &v) in tail.zip(value_lanes.remainder()) {
        if v > *b {
            *b = v;
            *w = index;
        }
    }
}

/// The gradient reaching every branch (each laid out as its `Planes`, its own grid) from the
/// merged gradient `grad` (laid out as `from`, the reference grid), in one pass: each
/// element's gradient goes to its winner only, back through the resize to its taps
/// (`d lo = g - g w`, `d hi = g w`, as autodiff of `lo + (hi - lo) w` gives).
pub(crate) fn branch_gradients(
    grad: &[f32],
    winners: &[i32],
    from: Planes,
    branches: &[Planes],
) -> Vec<Vec<f32>> {
    let taps: Vec<_> = branches
        .iter()
        .map(|to| {
            (
                taps(to.size[0], from.size[0]),
                taps(to.size[1], from.size[1]),
            )
        })
        .collect();
    let mut outs: Vec<Vec<f32>> = branches
        .iter()
        .map(|to| vec![0f32; to.planes * to.len()])
        .collect();
    let mut planes: Vec<Vec<&mut [f32]>> = (0..from.planes).map(|_| Vec::new()).collect();
    for (out, to) in outs.iter_mut().zip(branches) {
        for (plane, chunk) in planes.iter_mut().zip(out.chunks_mut(to.len())) {
            plane.push(chunk);
        }
    }
    let width = from.size[1];
    planes
        .par_iter_mut()
        .zip(grad.par_chunks(from.len()))
        .zip(winners.par_chunks(from.len()))
        .for_each(|((outs, grad), winners)| {
            // The frequency-resized gradient of one reference row, per branch, on its bins.
            let mut row_grads: Vec<Vec<f32>> =
                branches.iter().map(|to| vec![0f32; to.size[1]]).collect();
            for row in 0..from.size[0] {
                row_grads.iter_mut().for_each(|g| g.fill(0.0));
                let grad = &grad[row * width..(row + 1) * width];
                let winners = &winners[row * width..(row + 1) * width];
                for (col, (&g, &winner)) in grad.iter().zip(winners).enumerate() {
                    let branch = winner as usize;
                    let row_grad = &mut row_grads[branch];
                    match &taps[branch].1 {
                        None => row_grad[col] += g,
                        Some(t) => {
                            let w = t.weight[col];
                            row_grad[t.lower[col] as usize] += g - g * w;
                            row_grad[t.upper[col] as usize] += g * w;
                        }
                    }
                }
                for ((out, row_grad), (to, (rows, _))) in outs
                    .iter_mut()
                    .zip(&row_grads)
                    .zip(branches.iter().zip(&taps))
                {
                    let cols = to.size[1];
                    match rows {
                        None => add_row(&mut out[row * cols..(row + 1) * cols], row_grad),
                        Some(t) => {
                            let (lo, hi, w) =
                                (t.lower[row] as usize, t.upper[row] as usize, t.weight[row]);
                            for (bin, &g) in row_grad.iter().enumerate() {
                                out[lo * cols + bin] += g - g * w;
                                out[hi * cols + bin] += g * w;
                            }
                        }
                    }
                }
            }
        });
    outs
}

/// The sum of `values` in eight interleaved partial sums (vectorised), then those in order.
pub(crate) fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0f32; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

fn add_row(dst: &mut [f32], src: &[f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d += s;
    }
}

/// `x` `[planes, rows, cols]` with `pad` `[(top, bottom), (left, right)]` frames added (zeros)
/// or, where negative, removed: the input a convolution with that padding reads.
pub(crate) fn pad_planes(x: &[f32], from: Planes, pad: [(i64, i64); 2]) -> (Vec<f32>, Planes) {
    let size: [usize; 2] =
        core::array::from_fn(|a| (from.size[a] as i64 + pad[a].0 + pad[a].1).max(0) as usize);
    let to = Planes {
        planes: from.planes,
        size,
    };
    let mut out = vec![0f32; to.planes * to.len()];
    let shift = [pad[0].0, pad[1].0];
    out.par_chunks_mut(to.len().max(1))
        .zip(x.par_chunks(from.len().max(1)))
        .for_each(|(dst, src)| {
            for (at, from_at, len) in shifted_segments(to.size, from.size, shift) {
                dst[at..at + len].copy_from_slice(&src[from_at..from_at + len]);
            }
        });
    (out, to)
}

/// Where a plane of size `to` reads a plane of size `from` shifted by `shift` (element
/// `[r, c]` of `to` reads `[r - shift[0], c - shift[1]]` of `from`): per row of `to` that
/// overlaps `from`, the run `(start in to, start in from, length)`.
fn shifted_segments(
    to: [usize; 2],
    from: [usize; 2],
    shift: [i64; 2],
) -> impl Iterator<Item = (usize, usize, usize)> {
    let span = |a: usize| {
        let first = shift[a].clamp(0, to[a] as i64);
        let end = (from[a] as i64 + shift[a]).clamp(first, to[a] as i64);
        first as usize..end as usize
    };
    let (rows, cols) = (span(0), span(1));
    let rows = if cols.is_empty() { 0..0 } else { rows };
    rows.map(move |row| {
        let from_row = (row as i64 - shift[0]) as usize;
        let from_col = (cols.start as i64 - shift[1]) as usize;
        (
            row * to[1] + cols.start,
            from_row * from[1] + from_col,
            cols.len(),
        )
    })
}

/// Adds to `dx` (`to`: `[planes, rows, cols]`) the gradient `dp` of its copy padded by `pad`
/// (`padded`, as [`pad_planes`] makes it): the transpose of [`pad_planes`], where the padding's
/// frames are dropped and frames the padding cropped receive nothing.
pub(crate) fn add_unpadded(
    dx: &mut [f32],
    to: Planes,
    dp: &[f32],
    padded: Planes,
    pad: [(i64, i64); 2],
) {
    let shift = [-pad[0].0, -pad[1].0];
    dx.par_chunks_mut(to.len().max(1))
        .zip(dp.par_chunks(padded.len().max(1)))
        .for_each(|(dst, src)| {
            for (at, from_at, len) in shifted_segments(to.size, padded.size, shift) {
                add_row(&mut dst[at..at + len], &src[from_at..from_at + len]);
            }
        });
}

/// The geometry of a stride-1, dilation-1, ungrouped convolution of a padded input: its
/// kernel gradient here, its forward in `direct_conv.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DirectConvShape {
    pub(crate) batch: usize,
    pub(crate) channels_in: usize,
    pub(crate) channels_out: usize,
    /// The padded input `[rows, cols]`.
    pub(crate) input: [usize; 2],
    /// The kernel `[rows, cols]`.
    pub(crate) kernel: [usize; 2],
}

impl DirectConvShape {
    pub(crate) fn output(&self) -> [usize; 2] {
        core::array::from_fn(|a| self.input[a] + 1 - self.kernel[a])
    }
}

pub(crate) const LANES: usize = 8;

/// The narrowest output (frequency bins) [`weight_gradient`] is used for: below two vectors a
/// row is mostly its scalar tail, and burn's gradient (a GEMM) wins (`MtsConv1d`: 30x).
pub(crate) const DIRECT_MIN_WIDTH: usize = 2 * LANES;
pub(crate) type Lanes = [f32; LANES];

/// `dW[o, i, t, f] = sum_{b, p, q} dy[b, o, p, q] * x[b, i, p + t, q + f]`: the kernel
/// gradient of a stride-1 convolution, for `x` already padded and `dy` `[batch, out, p, q]`.
/// One task per batch item, summed at the end (in batch order, so the result does not depend
/// on the thread count).
/// `isa` picks the build of the inner loops.
pub(crate) fn weight_gradient(
    x: &[f32],
    grad: &[f32],
    shape: DirectConvShape,
    isa: Isa,
) -> Vec<f32> {
    let q = shape.output()[1];
    let tail = q % LANES;
    if tail != 0 {
        // Rows padded with zeros to whole vectors (zeros add nothing to the sums).
        let extra = LANES - tail;
        let x_planes = Planes {
            planes: shape.batch * shape.channels_in,
            size: shape.input,
        };
        let (x, _) = pad_planes(x, x_planes, [(0, 0), (0, extra as i64)]);
        let g_planes = Planes {
            planes: shape.batch * shape.channels_out,
            size: shape.output(),
        };
        let (grad, _) = pad_planes(grad, g_planes, [(0, 0), (0, extra as i64)]);
        let input = [shape.input[0], shape.input[1] + extra];
        let shape = DirectConvShape { input, ..shape };
        return weight_gradient_whole_vectors(&x, &grad, shape, isa);
    }
    weight_gradient_whole_vectors(x, grad, shape, isa)
}

/// [`weight_gradient`] for output rows of whole vectors.
fn weight_gradient_whole_vectors(
    x: &[f32],
    grad: &[f32],
    shape: DirectConvShape,
    isa: Isa,
) -> Vec<f32> {
    let [rows, cols] = shape.input;
    let [p, q] = shape.output();
    let x_item = shape.channels_in * rows * cols;
    let g_item = shape.channels_out * p * q;
    let len = shape.channels_out * shape.channels_in * shape.kernel[0] * shape.kernel[1];
    let partial: Vec<Vec<Lanes>> = (0..shape.batch)
        .into_par_iter()
        .map(|b| {
            let mut acc = vec![[0f32; LANES]; len];
            weight_gradient_item_dispatch(
                isa,
                &x[b * x_item..(b + 1) * x_item],
                &grad[b * g_item..(b + 1) * g_item],
                shape,
                &mut acc,
            );
            acc
        })
        .collect();
    let mut out = vec![0f32; len];
    for acc in partial {
        for (o, lanes) in out.iter_mut().zip(acc) {
            *o += lanes.iter().sum::<f32>();
        }
    }
    out
}

avx2_dispatch! {
    /// Runs [`weight_gradient_item`] in `isa`'s build (AVX2: 3x the plain SSE2 build on the
    /// bench machine).
    fn weight_gradient_item_dispatch / weight_gradient_item_avx2 =>
        weight_gradient_item::<FMA>(x: &[f32], grad: &[f32], shape: DirectConvShape, acc: &mut [Lanes])
}

#[inline(always)]
pub(crate) fn load(slice: &[f32], at: usize) -> Lanes {
    let mut lanes = [0f32; LANES];
    lanes.copy_from_slice(&slice[at..at + LANES]);
    lanes
}

/// One batch item of [`weight_gradient`], accumulated into `acc` (`[out, in, kt, kf]` lanes),
/// for rows of whole vectors. Register-blocked: two output channels by five frequency taps
/// share each load of the gradient rows and of the shifted input row.
#[inline(always)]
fn weight_gradient_item<const FMA: bool>(
    x: &[f32],
    grad: &[f32],
    shape: DirectConvShape,
    acc: &mut [Lanes],
) {
    const OUT_BLOCK: usize = 2;
    const FREQ_BLOCK: usize = 5;
    let [kt, kf] = shape.kernel;
    for i in 0..shape.channels_in {
        for row in 0..shape.output()[0] {
            for t in 0..kt {
                for o in (0..shape.channels_out).step_by(OUT_BLOCK) {
                    for f in (0..kf).step_by(FREQ_BLOCK) {
                        let at = TapBlock { i, row, t, o, f };
                        // Fixed block sizes keep the sums in registers.
                        match (shape.channels_out - o, kf - f) {
                            (2.., 5..) => gradient_block::<FMA, 2, 5>(x, grad, shape, at, acc),
                            (1, 5..) => gradient_block::<FMA, 1, 5>(x, grad, shape, at, acc),
                            (outs, freqs) => {
                                for (a, b) in (0..outs.min(OUT_BLOCK))
                                    .flat_map(|a| (0..freqs.min(FREQ_BLOCK)).map(move |b| (a, b)))
                                {
                                    let at = TapBlock {
                                        o: o + a,
                                        f: f + b,
                                        ..at
                                    };
                                    gradient_block::<FMA, 1, 1>(x, grad, shape, at, acc);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where a block of kernel-gradient sums starts: input channel, output row, kernel row, first
/// output channel and first kernel column.
#[derive(Clone, Copy)]
struct TapBlock {
    i: usize,
    row: usize,
    t: usize,
    o: usize,
    f: usize,
}

/// The sums of one output row `at.row` and kernel row `at.t` for `OUTS` output channels by
/// `FREQS` kernel columns, added to their lanes of `acc`.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane indices keep the loops in the shape LLVM vectorises
fn gradient_block<const FMA: bool, const OUTS: usize, const FREQS: usize>(
    x: &[f32],
    grad: &[f32],
    shape: DirectConvShape,
    at: TapBlock,
    acc: &mut [Lanes],
) {
    let [rows, cols] = shape.input;
    let [kt, kf] = shape.kernel;
    let [p, q] = shape.output();
    let x_row = &x[(at.i * rows + at.row + at.t) * cols + at.f..][..q + FREQS - 1];
    let grad_rows: [&[f32]; OUTS] =
        core::array::from_fn(|a| &grad[((at.o + a) * p + at.row) * q..][..q]);
    #[cfg(target_arch = "x86_64")]
    let sums = if FMA {
        #[allow(unsafe_code)]
        // SAFETY: `FMA` is true only in the build `avx2_dispatch!` runs for an `Isa` detected
        // to have AVX2 and FMA.
        unsafe {
            row_sums_avx2::<OUTS, FREQS>(x_row, grad_rows)
        }
    } else {
        row_sums::<FMA, OUTS, FREQS>(x_row, grad_rows)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let sums = row_sums::<FMA, OUTS, FREQS>(x_row, grad_rows);
    for a in 0..OUTS {
        for f in 0..FREQS {
            let slot =
                &mut acc[(((at.o + a) * shape.channels_in + at.i) * kt + at.t) * kf + at.f + f];
            for l in 0..LANES {
                slot[l] += sums[a][f][l];
            }
        }
    }
}

/// `sums[a][f]` = the lanes of `grad_rows[a][col] * x_row[col + f]` summed over the columns
/// (whole vectors).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane indices keep the loops in the shape LLVM vectorises
fn row_sums<const FMA: bool, const OUTS: usize, const FREQS: usize>(
    x_row: &[f32],
    grad_rows: [&[f32]; OUTS],
) -> [[Lanes; FREQS]; OUTS] {
    let mut sums = [[[0f32; LANES]; FREQS]; OUTS];
    for col in (0..grad_rows[0].len()).step_by(LANES) {
        let g: [Lanes; OUTS] = core::array::from_fn(|a| load(grad_rows[a], col));
        for f in 0..FREQS {
            let xv = load(x_row, col + f);
            for a in 0..OUTS {
                for l in 0..LANES {
                    sums[a][f][l] = mul_add::<FMA>(sums[a][f][l], g[a][l], xv[l]);
                }
            }
        }
    }
    sums
}

/// [`row_sums`] with AVX2 and FMA intrinsics: given the portable loops, the compiler builds
/// the shifted input vectors out of two loads with shuffles, which then outnumber the
/// multiply-adds (the kernel gradient took a third longer).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::needless_range_loop)] // indices shared by the sums and the input vectors
fn row_sums_avx2<const OUTS: usize, const FREQS: usize>(
    x_row: &[f32],
    grad_rows: [&[f32]; OUTS],
) -> [[Lanes; FREQS]; OUTS] {
    use std::arch::x86_64::{__m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps};
    let vector = |slice: &[f32], at: usize| -> __m256 {
        let lanes: &[f32; LANES] = slice[at..at + LANES].try_into().expect("8 lanes");
        #[allow(unsafe_code)]
        // SAFETY: `lanes` is eight readable `f32`s; `loadu` needs no alignment.
        unsafe {
            _mm256_loadu_ps(lanes.as_ptr())
        }
    };
    let mut sums = [[_mm256_setzero_ps(); FREQS]; OUTS];
    for col in (0..grad_rows[0].len()).step_by(LANES) {
        let g: [__m256; OUTS] = core::array::from_fn(|a| vector(grad_rows[a], col));
        for f in 0..FREQS {
            let xv = vector(x_row, col + f);
            for a in 0..OUTS {
                sums[a][f] = _mm256_fmadd_ps(g[a], xv, sums[a][f]);
            }
        }
    }
    sums.map(|row| row.map(lanes_of))
}

/// A vector's lanes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lanes_of(v: std::arch::x86_64::__m256) -> Lanes {
    let mut lanes = [0f32; LANES];
    #[allow(unsafe_code)]
    // SAFETY: `lanes` has room for the eight `f32`s `storeu` writes, unaligned.
    unsafe {
        std::arch::x86_64::_mm256_storeu_ps(lanes.as_mut_ptr(), v)
    };
    lanes
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::kernels::isa::tests::available;

    /// Deterministic values in [-1, 1) for the kernel tests (`seed` picks the sequence).
    pub(crate) fn pseudo(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.0) - 1.0)
            .collect()
    }

    #[test]
    fn weight_gradient_matches_the_definition() {
        for (batch, cin, cout, input, kernel) in [
            (2, 1, 3, [9, 21], [4, 3]),
            (3, 2, 5, [12, 17], [5, 7]),
            (1, 3, 1, [6, 8], [1, 1]),
        ] {
            let shape = DirectConvShape {
                batch,
                channels_in: cin,
                channels_out: cout,
                input,
                kernel,
            };
            let [p, q] = shape.output();
            let x = pseudo(batch * cin * input[0] * input[1], 1);
            let g = pseudo(batch * cout * p * q, 2);
            for isa in available() {
                assert_weight_gradient(&weight_gradient(&x, &g, shape, isa), &x, &g, shape);
            }
        }
    }

    /// `got` is the kernel gradient of `shape` for input `x` and output gradient `g`, which
    /// the definition gives in `f64`.
    fn assert_weight_gradient(got: &[f32], x: &[f32], g: &[f32], shape: DirectConvShape) {
        let DirectConvShape {
            batch,
            channels_in: cin,
            channels_out: cout,
            input,
            kernel,
        } = shape;
        let [p, q] = shape.output();
        for o in 0..cout {
            for i in 0..cin {
                for t in 0..kernel[0] {
                    for f in 0..kernel[1] {
                        let mut want = 0f64;
                        for b in 0..batch {
                            for r in 0..p {
                                for c in 0..q {
                                    want += g[((b * cout + o) * p + r) * q + c] as f64
                                        * x[((b * cin + i) * input[0] + r + t) * input[1] + c + f]
                                            as f64;
                                }
                            }
                        }
                        let at = ((o * cin + i) * kernel[0] + t) * kernel[1] + f;
                        assert!(
                            (got[at] as f64 - want).abs() < 1e-4 * (1.0 + want.abs()),
                            "{got:?} {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn branch_gradients_are_the_transpose_of_the_merge() {
        // sum over branches b of <winner-masked resize_b(y_b), g> == sum_b <y_b, gradient_b>.
        let to = Planes {
            planes: 3,
            size: [11, 4],
        };
        let sizes = [[7, 5], [11, 4], [15, 3]];
        let branches: Vec<(Vec<f32>, Planes)> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| {
                let p = Planes { planes: 3, size };
                (pseudo(p.planes * p.len(), 3 + i), p)
            })
            .collect();
        let views: Vec<(&[f32], Planes)> =
            branches.iter().map(|(v, p)| (v.as_slice(), *p)).collect();
        let mut best = vec![0f32; to.planes * to.len()];
        let mut winners = vec![0; best.len()];
        for isa in available() {
            merge_branches(&mut best, &mut winners, &views, to, isa);
            assert_transpose(&best, &winners, &branches, to);
        }
    }

    /// `<best, g> == sum_b <y_b, gradient_b>` for the merge `best` / `winners` of `branches`
    /// into `to` and a pseudo-random gradient `g`.
    fn assert_transpose(
        best: &[f32],
        winners: &[i32],
        branches: &[(Vec<f32>, Planes)],
        to: Planes,
    ) {
        let g = pseudo(best.len(), 9);
        let lhs: f64 = best
            .iter()
            .zip(&g)
            .map(|(a, b)| *a as f64 * *b as f64)
            .sum();
        let grads = branch_gradients(
            &g,
            winners,
            to,
            &branches.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        );
        let rhs: f64 = grads
            .iter()
            .zip(branches)
            .map(|(grad, (y, _))| {
                grad.iter()
                    .zip(y)
                    .map(|(a, b)| *a as f64 * *b as f64)
                    .sum::<f64>()
            })
            .sum();
        assert!((0..3).all(|b| winners.contains(&b)));
        assert!((lhs - rhs).abs() < 1e-4, "{lhs} {rhs}");
    }

    /// Unpadding is the transpose of padding: `<pad(x), y> = <x, unpad(y)>` for padding,
    /// cropping and both at once.
    #[test]
    fn unpadding_is_the_transpose_of_padding() {
        let from = Planes {
            planes: 3,
            size: [7, 11],
        };
        for pad in [
            [(2, 1), (3, 4)],
            [(0, 0), (0, 0)],
            [(-2, 1), (1, -3)],
            [(-1, -2), (-4, -5)],
        ] {
            let x = pseudo(from.planes * from.len(), 1);
            let (padded_x, padded) = pad_planes(&x, from, pad);
            let y = pseudo(padded.planes * padded.len(), 2);
            let mut unpadded_y = vec![0f32; x.len()];
            add_unpadded(&mut unpadded_y, from, &y, padded, pad);
            let dot = |a: &[f32], b: &[f32]| -> f64 {
                a.iter().zip(b).map(|(a, b)| *a as f64 * *b as f64).sum()
            };
            let (left, right) = (dot(&padded_x, &y), dot(&x, &unpadded_y));
            assert!((left - right).abs() < 1e-9 * left.abs().max(1.0), "{pad:?}");
            // Unpadding adds: a second call doubles the result.
            let once = unpadded_y.clone();
            add_unpadded(&mut unpadded_y, from, &y, padded, pad);
            assert!(unpadded_y.iter().zip(&once).all(|(t, o)| *t == 2.0 * o));
        }
    }

    #[test]
    fn padding_adds_zeros_and_negative_padding_crops() {
        let from = Planes {
            planes: 1,
            size: [2, 3],
        };
        let (padded, to) = pad_planes(&[1., 2., 3., 4., 5., 6.], from, [(1, 0), (-1, 1)]);
        assert_eq!(to.size, [3, 3]);
        assert_eq!(padded, vec![0., 0., 0., 2., 3., 0., 5., 6., 0.]);
    }
}
