//! Adam in one pass over memory on the CPU backends.
//!
//! burn-optim's `Adam` updates a parameter with a dozen tensor operations (scale and add the
//! first moment, square, scale and add the second, square root, divide, scale, subtract), each
//! one pass over parameter-sized tensors. For A2's dense layer (279 M weights on EMODB with the
//! paper's features, 1.1 GB each for the weights, the gradient and both moments) those passes
//! are memory-bound and take a large share of the training step (docs/performance.md).
//! [`FusedAdam`] makes the same update with the same `f32` operations in the same order, element
//! by element in one parallel pass over the four buffers, on the host memory of the Flex and
//! NdArray backends (taken without a copy when the tensor is not shared). Other devices and
//! float types take burn's `Adam` unchanged. The state is burn's [`AdamState`], so checkpoints
//! written by one load into the other.

use burn::backend::DispatchDevice;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{
    Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer,
};
use burn::tensor::{DType, Device, Tensor, TensorData};
use rayon::prelude::*;

/// Elements per parallel task: large enough that task overhead is nothing next to the memory
/// traffic, small enough that both cores get work on any dense layer.
const CHUNK: usize = 1 << 16;

/// burn's Adam (`AdamConfig` defaults: beta 0.9 / 0.999, epsilon 1e-5, no AMSGrad) with
/// optional L2 weight decay, fused into one pass per parameter on the CPU backends: what
/// [`Trainer`](crate::Trainer) uses, and usable for any Burn module.
///
/// Parameters of any shape; the update of each is element-wise. Bit-identical to
/// `AdamConfig::new().with_weight_decay(..).init()`.
///
/// ```
/// use burn::nn::LinearConfig;
/// use burn::optim::GradientsParams;
/// use burn::tensor::{Device, Tensor};
/// use mts_models::FusedAdam;
///
/// let device = Device::flex().autodiff();
/// let layer = LinearConfig::new(4, 2).init(&device);
/// let mut optimizer = FusedAdam::new(0.0).init();
/// let loss = layer.forward(Tensor::<2>::ones([3, 4], &device)).sum();
/// let grads = GradientsParams::from_grads(loss.backward(), &layer);
/// let layer = optimizer.step(1e-3, layer, grads);
/// assert_eq!(layer.weight.dims(), [4, 2]);
/// ```
#[derive(Clone)]
pub struct FusedAdam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: Option<f32>,
    /// burn's own Adam, for devices whose memory the host cannot write (wgpu) and non-`f32`
    /// parameters.
    reference: Adam,
}

impl FusedAdam {
    /// Adam with burn's default betas and epsilon and coupled L2 `weight_decay` (none when it is
    /// not above 0, NaN included).
    pub fn new(weight_decay: f64) -> Self {
        let weight_decay = (weight_decay > 0.0).then_some(weight_decay as f32);
        let config = AdamConfig::new().with_weight_decay(weight_decay.map(WeightDecayConfig::new));
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            weight_decay,
            reference: config.build(),
        }
    }

    /// The optimizer over a whole module.
    pub fn init(self) -> ModuleOptimizer {
        ModuleOptimizer::from(self)
    }
}

/// Whether `tensor`'s buffer lives in host memory the update can write: `f32` on Flex or NdArray.
fn host_writable<const D: usize>(tensor: &Tensor<D>) -> bool {
    tensor.dtype() == DType::F32
        && matches!(
            tensor.device().without_autodiff().as_dispatch(),
            DispatchDevice::Flex(_) | DispatchDevice::NdArray(_)
        )
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let state_on_host = state.as_ref().is_none_or(|state| {
            host_writable(&state.momentum.moment_1) && host_writable(&state.momentum.moment_2)
        });
        if !(host_writable(&tensor) && host_writable(&grad) && state_on_host) {
            return self.reference.step(lr, tensor, grad, state);
        }
        let device = tensor.device();
        let (time, moments) = match state {
            Some(state) => {
                let momentum = state.momentum;
                let moments = [momentum.moment_1.into_data(), momentum.moment_2.into_data()];
                (momentum.time + 1, Some(moments))
            }
            None => (1, None),
        };
        let mut param = tensor.into_data();
        let grad = grad.into_data();
        let [mut moment_1, mut moment_2] = moments.unwrap_or_else(|| {
            let zeros = || TensorData::zeros::<f32, _>(param.shape().clone());
            [zeros(), zeros()]
        });
        self.update(
            Scalars::of(self, time, lr),
            Buffers {
                param: host_slice(&mut param),
                grad: grad.as_slice::<f32>().expect("f32 gradient"),
                moment_1: host_slice(&mut moment_1),
                moment_2: host_slice(&mut moment_2),
            },
            time == 1,
        );
        let to_tensor = |data: TensorData| Tensor::<D>::from_data(data, &device);
        let momentum = AdaptiveMomentumState::new(time, to_tensor(moment_1), to_tensor(moment_2));
        (to_tensor(param), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

/// The `f32` values of a host tensor, writable (copied only if the buffer is shared).
fn host_slice(data: &mut TensorData) -> &mut [f32] {
    data.as_mut_slice::<f32>().expect("f32 host tensor")
}

/// The per-step constants, computed as burn's `Adam` computes them.
#[derive(Debug, Clone, Copy)]
struct Scalars {
    beta_1: f32,
    one_minus_beta_1: f32,
    beta_2: f32,
    one_minus_beta_2: f32,
    /// `sqrt(1 - beta_2^t) / (1 - beta_1^t)`.
    combined_factor: f32,
    /// `epsilon * sqrt(1 - beta_2^t)`.
    epsilon: f32,
    weight_decay: Option<f32>,
    learning_rate: f32,
}

impl Scalars {
    fn of(adam: &FusedAdam, time: usize, lr: LearningRate) -> Self {
        let time = time as i32;
        let bias_correction2_sqrt = (1.0 - adam.beta_2.powi(time)).sqrt();
        Self {
            beta_1: adam.beta_1,
            one_minus_beta_1: 1.0 - adam.beta_1,
            beta_2: adam.beta_2,
            one_minus_beta_2: 1.0 - adam.beta_2,
            combined_factor: bias_correction2_sqrt / (1.0 - adam.beta_1.powi(time)),
            epsilon: adam.epsilon * bias_correction2_sqrt,
            weight_decay: adam.weight_decay,
            learning_rate: lr as f32,
        }
    }
}

/// The four equally long buffers of one parameter.
struct Buffers<'a> {
    param: &'a mut [f32],
    grad: &'a [f32],
    moment_1: &'a mut [f32],
    moment_2: &'a mut [f32],
}

impl FusedAdam {
    /// One Adam step over every element; `first` when the moments start from nothing (burn
    /// then sets them to the scaled gradient terms alone, which the sums below equal exactly).
    fn update(&self, s: Scalars, buffers: Buffers<'_>, first: bool) {
        let Buffers {
            param,
            grad,
            moment_1,
            moment_2,
        } = buffers;
        param
            .par_chunks_mut(CHUNK)
            .zip(moment_1.par_chunks_mut(CHUNK))
            .zip(moment_2.par_chunks_mut(CHUNK))
            .zip(grad.par_chunks(CHUNK))
            .for_each(|(((p, m), v), g)| {
                // Zipped, so that no element access is bounds-checked and the loop vectorises
                // (square roots and divisions eight at a time, each exactly rounded as alone).
                let elements = p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g);
                for (((p, m), v), &g) in elements {
                    // burn: `tensor.mul_scalar(penalty).add(grad)`.
                    let g = match s.weight_decay {
                        Some(penalty) => *p * penalty + g,
                        None => g,
                    };
                    let (m_term, v_term) = (g * s.one_minus_beta_1, (g * g) * s.one_minus_beta_2);
                    *m = if first {
                        m_term
                    } else {
                        *m * s.beta_1 + m_term
                    };
                    *v = if first {
                        v_term
                    } else {
                        *v * s.beta_2 + v_term
                    };
                    let step = (*m * s.combined_factor) / (v.sqrt() + s.epsilon);
                    *p -= step * s.learning_rate;
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use burn::module::Param;
    use burn::nn::{Initializer, Linear, LinearConfig};
    use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
    use burn::tensor::{Device, Tensor};

    use super::*;

    /// Values in [-0.5, 0.5) that depend only on `seed` and the position: no device RNG, which
    /// tests running at the same time would share.
    fn values(shape: [usize; 2], seed: u64, device: &Device) -> Tensor<2> {
        let values: Vec<f32> = (0..shape[0] * shape[1])
            .map(|i| {
                let hash = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03);
                (hash >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }

    /// One Adam step on a least-squares problem whose data depend on `step` only; the model and
    /// its weights and bias after it.
    fn step(
        optimizer: &mut ModuleOptimizer,
        model: Linear,
        device: &Device,
        step: u64,
    ) -> (Linear, Vec<f32>) {
        let x = values([16, 37], 2 * step, device);
        let target = values([16, 5], 2 * step + 1, device);
        let loss = (model.forward(x) - target).square().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let model = optimizer.step(3e-2, model, grads);
        let mut values = model.weight.val().into_data().try_to_vec::<f32>().unwrap();
        let bias = model.bias.as_ref().expect("bias").val();
        values.extend(bias.into_data().try_to_vec::<f32>().unwrap());
        (model, values)
    }

    /// Steps `steps` of the problem; the model and the parameters after each step.
    fn train(
        optimizer: &mut ModuleOptimizer,
        mut model: Linear,
        device: &Device,
        steps: std::ops::Range<u64>,
    ) -> (Linear, Vec<Vec<f32>>) {
        let mut history = Vec::new();
        for index in steps {
            let (next, values) = step(optimizer, model, device, index);
            model = next;
            history.push(values);
        }
        (model, history)
    }

    fn model(device: &Device) -> Linear {
        // Zeros: no draw from the device RNG (other tests may be seeding it meanwhile).
        let mut linear = LinearConfig::new(37, 5)
            .with_initializer(Initializer::Zeros)
            .init(device);
        linear.weight = Param::from_tensor(values([37, 5], 100, device));
        linear.bias = Some(Param::from_tensor(values([1, 5], 101, device).reshape([5])));
        linear
    }

    fn burn_adam(decay: f64) -> ModuleOptimizer {
        AdamConfig::new()
            .with_weight_decay((decay > 0.0).then(|| WeightDecayConfig::new(decay as f32)))
            .init()
    }

    #[test]
    fn fused_steps_equal_burns_adam_bit_for_bit() {
        #[allow(deprecated)] // NdArray: deprecated upstream, still one of our two CPU backends
        let ndarray = Device::ndarray();
        for device in [Device::flex().autodiff(), ndarray.autodiff()] {
            for decay in [0.0, 0.01] {
                let (_, expected) = train(&mut burn_adam(decay), model(&device), &device, 0..4);
                let mut fused = FusedAdam::new(decay).init();
                let (_, history) = train(&mut fused, model(&device), &device, 0..4);
                assert_eq!(history, expected, "{device:?}, weight decay {decay}");
                assert_ne!(expected[0], expected[3], "the weights move");
            }
        }
    }

    #[test]
    fn a_checkpoint_of_burns_adam_continues_in_the_fused_one() {
        let device = Device::flex().autodiff();
        let (_, unbroken) = train(&mut burn_adam(0.0), model(&device), &device, 0..3);
        let mut adam = burn_adam(0.0);
        let (half, _) = train(&mut adam, model(&device), &device, 0..2);
        let mut fused = FusedAdam::new(0.0).init().load_record(adam.to_record());
        let (_, resumed) = step(&mut fused, half, &device, 2);
        assert_eq!(Some(&resumed), unbroken.last());
    }

    #[test]
    fn other_float_types_take_burns_adam() {
        let device = Device::flex();
        let f64_tensor = |values: Vec<f64>| {
            Tensor::<1>::from_data(TensorData::new(values, [3]), (&device, DType::F64))
        };
        let (param, grad) = (
            f64_tensor(vec![1.0, -2.0, 0.5]),
            f64_tensor(vec![0.1, 0.2, -0.3]),
        );
        assert_eq!(param.dtype(), DType::F64);
        let fused = FusedAdam::new(0.0);
        let (ours, state) = fused.step(1e-2, param.clone(), grad.clone(), None);
        let (burns, _) = AdamConfig::new().build().step(1e-2, param, grad, None);
        assert_eq!(ours.dtype(), DType::F64);
        assert_eq!(ours.into_data(), burns.into_data());
        assert_eq!(state.expect("a state").momentum.time, 1);
    }
}
