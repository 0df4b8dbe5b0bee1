//! The other MTS layers against their plain burn counterparts, forward and forward + backward
//! (the gradients of the input and every parameter), on Flex with the allocator tuned in-process:
//!
//! - `MtsConv1d` vs `Conv1d`: frame-level features `[16, 40, 401]`, 40 -> 64 channels, kernel 9;
//! - `MtsConvTranspose2d` vs `ConvTranspose2d`: a decoder's last layer, `[16, 10, 200, 80]` ->
//!   1 channel, kernel `[10, 5]`, stride `[2, 2]` (output `[16, 1, 408, 163]`);
//! - `MtsConv2d` with each kernel resampling (linear, cubic, area) vs `Conv2d`:
//!   `[8, 1, 200, 80]`, 1 -> 10 channels, kernel `[10, 5]`, 'same' padding.
//!
//! Scales (0.5, 1, 2), stretch alignment. Every repetition times the plain layer and the MTS
//! layer back to back; MTS cost is the ratio of the medians.
//!
//! ```text
//! cargo bench --bench mts_layers                  # every case
//! cargo bench --bench mts_layers -- transpose     # cases whose name contains "transpose"
//! MTS_BENCH_REPS=9 cargo bench --bench mts_layers
//! ```
//!
//! The last line of the output is one JSON object of the medians:
//!
//! ```text
//! {"bench":"mts_layers","rows":[{"case":"conv1d","plain_fwd_ms":..,"mts_fwd_ms":..,
//!   "plain_step_ms":..,"mts_step_ms":..},..]}
//! ```

mod common;
use common::{BenchArgs, allocator, compare, millis, ms};

use burn::nn::conv::{
    Conv1d, Conv1dConfig, Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig,
};
use burn::nn::{PaddingConfig1d, PaddingConfig2d};
use burn::tensor::{Device, Distribution, Tensor};
use mts::core::{KernelResampling, MtsConv1d, MtsConv2d, MtsConvTranspose2d, ScaleSet};

const SCALES: [f64; 3] = [0.5, 1.0, 2.0];

fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

/// Forward only; the output is read back so the work is done.
fn forward<const D: usize>(layer: impl Fn(Tensor<D>) -> Tensor<D>, input: &Tensor<D>) {
    let _ = layer(input.clone()).into_data();
}

/// Forward and backward of the mean output: gradients of the input and of every parameter.
fn step<const D: usize>(layer: impl Fn(Tensor<D>) -> Tensor<D>, input: &Tensor<D>) {
    let x = input.clone().require_grad();
    let grads = layer(x.clone()).mean().backward();
    let _ = x.grad(&grads).expect("input gradient").into_data();
}

/// Times forward and forward + backward of a plain layer and its MTS version, both built on
/// each device by `build`, and prints and returns the row.
fn measure<P, M, const D: usize>(
    name: &str,
    reps: usize,
    build: impl Fn(&Device) -> (P, M, Tensor<D>),
    plain: impl Fn(&P, Tensor<D>) -> Tensor<D>,
    mts: impl Fn(&M, Tensor<D>) -> Tensor<D>,
) -> serde_json::Value {
    let device = Device::flex();
    let (p, m, x) = build(&device);
    let (plain_fwd, mts_fwd) = compare(
        &device,
        reps,
        || forward(|x| plain(&p, x), &x),
        || forward(|x| mts(&m, x), &x),
    );
    let train = device.autodiff();
    let (p, m, x) = build(&train);
    let (plain_step, mts_step) = compare(
        &train,
        reps,
        || step(|x| plain(&p, x), &x),
        || step(|x| mts(&m, x), &x),
    );
    println!(
        "| {name} | {} | {} | {:.2}x | {} | {} | {:.2}x |",
        ms(plain_fwd),
        ms(mts_fwd),
        mts_fwd.as_secs_f64() / plain_fwd.as_secs_f64(),
        ms(plain_step),
        ms(mts_step),
        mts_step.as_secs_f64() / plain_step.as_secs_f64(),
    );
    serde_json::json!({
        "case": name,
        "plain_fwd_ms": millis(plain_fwd),
        "mts_fwd_ms": millis(mts_fwd),
        "plain_step_ms": millis(plain_step),
        "mts_step_ms": millis(mts_step),
    })
}

fn conv1d(device: &Device) -> (Conv1d, MtsConv1d, Tensor<3>) {
    let plain = Conv1dConfig::new(40, 64, 9)
        .with_padding(PaddingConfig1d::Same)
        .init(device);
    let mts = MtsConv1d::from_conv1d(plain.clone(), SCALES).expect("valid scales");
    (plain, mts, random([16, 40, 401], device))
}

fn transpose(device: &Device) -> (ConvTranspose2d, MtsConvTranspose2d, Tensor<4>) {
    let plain = ConvTranspose2dConfig::new([10, 1], [10, 5])
        .with_stride([2, 2])
        .init(device);
    let mts = MtsConvTranspose2d::from_conv_transpose2d(plain.clone(), ScaleSet::time(&SCALES))
        .expect("valid scales");
    (plain, mts, random([16, 10, 200, 80], device))
}

fn conv2d(resampling: KernelResampling, device: &Device) -> (Conv2d, MtsConv2d, Tensor<4>) {
    let plain = Conv2dConfig::new([1, 10], [10, 5])
        .with_padding(PaddingConfig2d::Same)
        .init(device);
    let mts = MtsConv2d::from_conv2d(plain.clone(), ScaleSet::time(&SCALES))
        .expect("valid scales")
        .with_resampling(resampling);
    (plain, mts, random([8, 1, 200, 80], device))
}

fn main() {
    let allocator = allocator();
    let args = BenchArgs::from_env();
    let reps = args.reps;
    println!(
        "MTS layers vs their plain counterparts on Flex, scales {SCALES:?}, median of {reps} \
         back-to-back repetitions, {} rayon threads, {allocator} allocator",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!(
        "| case | plain fwd ms | MTS fwd ms | fwd ratio | plain fwd+bwd ms | MTS fwd+bwd ms | fwd+bwd ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    Device::flex().seed(0);
    let mut rows = Vec::new();
    if args.selects("conv1d") {
        rows.push(measure(
            "conv1d",
            reps,
            conv1d,
            |c, x| c.forward(x),
            |m, x| m.forward(x),
        ));
    }
    if args.selects("transpose2d") {
        let row = measure(
            "transpose2d",
            reps,
            transpose,
            |c, x| c.forward(x),
            |m, x| m.forward(x),
        );
        rows.push(row);
    }
    for resampling in [
        KernelResampling::Linear,
        KernelResampling::Cubic,
        KernelResampling::Area,
    ] {
        let name = format!("conv2d-{resampling:?}").to_lowercase();
        if args.selects(&name) {
            let build = |d: &Device| conv2d(resampling, d);
            rows.push(measure(
                &name,
                reps,
                build,
                |c, x| c.forward(x),
                |m, x| m.forward(x),
            ));
        }
    }
    for row in &mut rows {
        row["allocator"] = serde_json::json!(allocator);
    }
    // Last line: the medians, for tools.
    println!(
        "{}",
        serde_json::json!({"bench": "mts_layers", "rows": rows})
    );
}
