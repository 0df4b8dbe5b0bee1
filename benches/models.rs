//! The paper's models A1–A3, standard and MTS: one training step (forward, cross-entropy,
//! backward, Adam update as the trainer makes it, `FusedAdam`) on a batch of 16 spectrograms
//! `[16, 1, 401, 161]` (4 s, the paper's 20 ms / 10 ms STFT), and batch-1 inference, on Flex with the allocator tuned in-process.
//! The same cases as `shared/reference/peer_bench.py` (8 classes), for side-by-side figures.
//!
//! ```text
//! cargo bench --bench models                       # A1, A2, A3
//! cargo bench --bench models -- a1                 # only architectures whose name contains "a1"
//! MTS_BENCH_REPS=9 cargo bench --bench models      # more repetitions (default 5)
//! RAYON_NUM_THREADS=1 cargo bench --bench models   # one core
//! ```
//!
//! Standard and MTS steps alternate in every repetition (after one warm-up each), so that a
//! slow spell of the shared machine hits both and their ratio stays meaningful.
//!
//! The last line is one JSON object of medians: `{"bench":"models","rows":[{"arch":"a1",
//! "conv":"standard","step_ms":..,"infer_ms":..}, ...]}`.

mod common;
use common::{BenchArgs, compare, millis};

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use mts::core::{BranchAlignment, KernelResampling, KernelSharing, ScaleSet};
use mts::models::{Architecture, ConvKind, FusedAdam, SerModel, SerModelConfig};

const BATCH: usize = 16;
const INPUT: [usize; 2] = [401, 161];
const CLASSES: usize = 8;

/// One Adam step of `model` on `(x, y)`; returns the updated model.
fn train_step(
    model: SerModel,
    optimizer: &mut ModuleOptimizer,
    x: &Tensor<4>,
    y: &Tensor<1, Int>,
) -> SerModel {
    let logits = model.forward(x.clone());
    let loss = CrossEntropyLossConfig::new()
        .init(&x.device())
        .forward(logits, y.clone());
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    optimizer.step(1e-4, model, grads)
}

fn main() {
    let allocator = mts::core::tune_allocator();
    let args = BenchArgs::from_env();
    let reps = args.reps;
    let device = Device::flex();
    let train_device = device.clone().autodiff();
    println!(
        "A1-A3 on Flex: training step (batch {BATCH}, Adam) and batch-1 inference, input \
         {INPUT:?}, {CLASSES} classes, median of {reps}, {} rayon threads, {allocator}",
        rayon::current_num_threads()
    );
    println!();
    println!("| arch | conv | step ms | step ratio | infer b1 ms | infer ratio |");
    println!("|---|---|---|---|---|---|");
    let mts = ConvKind::Mts {
        scales: ScaleSet::time(&[0.5, 1.0, 2.0]),
        sharing: KernelSharing::Shared,
        alignment: BranchAlignment::Stretch,
        resampling: KernelResampling::Linear,
    };
    let mut rows = Vec::new();
    for architecture in [Architecture::A1, Architecture::A2, Architecture::A3] {
        let name = architecture.to_string().to_lowercase();
        if !args.selects(&name) {
            continue;
        }
        device.seed(0);
        let x = Tensor::<4>::random(
            [BATCH, 1, INPUT[0], INPUT[1]],
            Distribution::Normal(0.0, 1.0),
            &train_device,
        );
        let labels: Vec<i64> = (0..BATCH as i64).map(|i| i % CLASSES as i64).collect();
        let y = Tensor::<1, Int>::from_data(TensorData::new(labels, [BATCH]), &train_device);
        let x1 = Tensor::<4>::random([1, 1, INPUT[0], INPUT[1]], Distribution::Default, &device);
        // Standard and MTS alternate in every repetition, so that a slow spell of the
        // (shared) machine hits both and the ratio stays meaningful.
        let init = |conv: ConvKind| {
            let config = SerModelConfig::new(architecture, INPUT, CLASSES).with_conv(conv);
            (Some(config.init(&train_device)), FusedAdam::new(0.0).init()) // the trainer's Adam
        };
        let (mut standard, mut standard_adam) = init(ConvKind::Standard);
        let (mut multi, mut multi_adam) = init(mts.clone());
        let step = |model: &mut Option<SerModel>, adam: &mut ModuleOptimizer| {
            let current = model.take().expect("the model");
            *model = Some(train_step(current, adam, &x, &y));
        };
        let steps = compare(
            &train_device,
            reps,
            || step(&mut standard, &mut standard_adam),
            || step(&mut multi, &mut multi_adam),
        );
        let [standard, multi] = [standard, multi].map(|m| m.expect("the model").valid());
        let infers = compare(
            &device,
            reps,
            || drop(standard.forward(x1.clone()).into_data()),
            || drop(multi.forward(x1.clone()).into_data()),
        );
        for (conv_name, step, infer) in
            [("standard", steps.0, infers.0), ("mts", steps.1, infers.1)]
        {
            println!(
                "| {name} | {conv_name} | {:.1} | {:.2}x | {:.2} | {:.2}x |",
                millis(step),
                step.as_secs_f64() / steps.0.as_secs_f64(),
                infer.as_secs_f64() * 1e3,
                infer.as_secs_f64() / infers.0.as_secs_f64(),
            );
            rows.push(serde_json::json!({
                "arch": name,
                "conv": conv_name,
                "scales": if conv_name == "mts" { vec![0.5, 1.0, 2.0] } else { vec![] },
                "step_ms": millis(step),
                "infer_ms": (infer.as_secs_f64() * 1e5).round() / 100.0,
            }));
        }
    }
    // Last line: the medians, for tools.
    println!("{}", serde_json::json!({"bench": "models", "rows": rows}));
}
