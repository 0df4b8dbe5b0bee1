//! `MtsConv2d` configurations that `try_init` accepts, with inputs they take, by construction.

use std::ops::RangeInclusive;

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::tensor::{Device, Tensor, TensorData};
use proptest::prelude::*;
use proptest::sample::select;

use super::{KitError, ScaleSets, Values, non_empty};
use crate::geometry::{branch_output_len, branch_padding, reference_padding};
use crate::{BranchAlignment, KernelResampling, KernelSharing, MtsConv2d, MtsConv2dConfig};

/// Parameters of a strategy for [`LayerCase`]s: an [`MtsConv2dConfig`] that
/// [`try_init`](MtsConv2dConfig::try_init) accepts and an input shape its forward pass takes.
/// Every range must be non-empty and, but for `max_padding` and `extra_input`, start at 1 or
/// above. The defaults cover every field: strides up to 6 (longer than most kernels, so
/// outputs skip input frames), valid, `Same`, symmetric and asymmetric explicit padding,
/// groups, dilation on both axes, both alignments and sharings, the three resampling methods.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerConfigs {
    /// Batch size. Default `1..=2`.
    pub batch: RangeInclusive<usize>,
    /// Input channels per group. Default `1..=2`.
    pub channels_in: RangeInclusive<usize>,
    /// Output channels per group. Default `1..=3`.
    pub channels_out: RangeInclusive<usize>,
    /// Channel groups. Default `1..=2`.
    pub groups: RangeInclusive<usize>,
    /// Kernel size `[time, freq]`. Default `[1..=6, 1..=4]`.
    pub kernel: [RangeInclusive<usize>; 2],
    /// Stride `[time, freq]`. Default `[1..=6, 1..=3]`.
    pub stride: [RangeInclusive<usize>; 2],
    /// Dilation `[time, freq]`. Default `[1..=2, 1..=2]`.
    pub dilation: [RangeInclusive<usize>; 2],
    /// The largest explicit padding of one side. Default 2.
    pub max_padding: usize,
    /// Whether `Same` padding is drawn. Default `true`.
    pub same_padding: bool,
    /// The scale sets, drawn for each case's kernel. Default [`ScaleSets::default`].
    pub scales: ScaleSets,
    /// The alignments drawn from. Default both.
    pub alignments: Vec<BranchAlignment>,
    /// The sharing modes drawn from. Default both.
    pub sharings: Vec<KernelSharing>,
    /// The resampling methods drawn from. Default all three.
    pub resamplings: Vec<KernelResampling>,
    /// The shortest output `[time, freq]` the input must give, on the reference grid and on
    /// every branch's own grid. Default `[1, 1]`.
    pub min_output: [usize; 2],
    /// Frames `[time, freq]` added to the shortest input that gives `min_output`.
    /// Default `[0..=6, 0..=6]`.
    pub extra_input: [RangeInclusive<usize>; 2],
    /// The values of the kernel, bias and input. Default [`Values::Uniform`].
    pub values: Values,
}

impl Default for LayerConfigs {
    fn default() -> Self {
        Self {
            batch: 1..=2,
            channels_in: 1..=2,
            channels_out: 1..=3,
            groups: 1..=2,
            kernel: [1..=6, 1..=4],
            stride: [1..=6, 1..=3],
            dilation: [1..=2, 1..=2],
            max_padding: 2,
            same_padding: true,
            scales: ScaleSets::default(),
            alignments: vec![BranchAlignment::Stretch, BranchAlignment::Centered],
            sharings: vec![KernelSharing::Shared, KernelSharing::Detached],
            resamplings: vec![
                KernelResampling::Linear,
                KernelResampling::Cubic,
                KernelResampling::Area,
            ],
            min_output: [1, 1],
            extra_input: [0..=6, 0..=6],
            values: Values::Uniform,
        }
    }
}

/// A layer configuration, an input shape it takes, and the seed of its values: what
/// [`LayerConfigs::strategy`] draws.
#[derive(Debug, Clone)]
pub struct LayerCase {
    /// The configuration; [`try_init`](MtsConv2dConfig::try_init) accepts it.
    pub config: MtsConv2dConfig,
    /// The input shape `[batch, channels_in, time, freq]`.
    pub input: [usize; 4],
    /// What the kernel, bias and input values are.
    pub values: Values,
    /// The seed of the values.
    pub seed: u64,
}

impl LayerCase {
    /// The layer on `device`, its kernel and bias set to the case's values.
    ///
    /// # Panics
    /// Never for a case the strategy drew (the kit's own tests check that `try_init` accepts
    /// every one); for a case built or changed by hand, if `try_init` refuses it.
    pub fn layer(&self, device: &Device) -> MtsConv2d {
        let mut layer = self
            .config
            .try_init(device)
            .unwrap_or_else(|err| panic!("the kit drew an invalid configuration: {err}"));
        let weight = self
            .values
            .kernel_data(layer.weight.dims().to_vec(), self.seed);
        layer.weight = Param::from_tensor(Tensor::from_data(weight, device));
        if let Some(bias) = &layer.bias {
            let values = self.values.kernel_data(bias.dims().to_vec(), self.seed ^ 1);
            layer.bias = Some(Param::from_tensor(Tensor::from_data(values, device)));
        }
        layer
    }

    /// The input on `device`.
    pub fn input(&self, device: &Device) -> Tensor<4> {
        Tensor::from_data(self.input_data(), device)
    }

    /// The input's values.
    pub fn input_data(&self) -> TensorData {
        self.values.input_data(self.input.to_vec(), self.seed ^ 2)
    }
}

/// The geometry drawn before the scales: `(channels, kernel, stride, dilation, groups)`.
type Geometry = ([usize; 2], [usize; 2], [usize; 2], [usize; 2], usize);

impl LayerConfigs {
    /// The strategy, or the error naming the first parameter that leaves nothing to draw.
    pub fn strategy(&self) -> Result<BoxedStrategy<LayerCase>, KitError> {
        let sizes = [
            ("LayerConfigs::batch", &self.batch),
            ("LayerConfigs::channels_in", &self.channels_in),
            ("LayerConfigs::channels_out", &self.channels_out),
            ("LayerConfigs::groups", &self.groups),
            ("LayerConfigs::kernel[0]", &self.kernel[0]),
            ("LayerConfigs::kernel[1]", &self.kernel[1]),
            ("LayerConfigs::stride[0]", &self.stride[0]),
            ("LayerConfigs::stride[1]", &self.stride[1]),
            ("LayerConfigs::dilation[0]", &self.dilation[0]),
            ("LayerConfigs::dilation[1]", &self.dilation[1]),
        ];
        for (field, range) in sizes {
            non_empty(field, range, 1)?;
        }
        for (field, range) in [
            ("LayerConfigs::extra_input[0]", &self.extra_input[0]),
            ("LayerConfigs::extra_input[1]", &self.extra_input[1]),
        ] {
            non_empty(field, range, 0)?;
        }
        for (field, empty) in [
            ("LayerConfigs::alignments", self.alignments.is_empty()),
            ("LayerConfigs::sharings", self.sharings.is_empty()),
            ("LayerConfigs::resamplings", self.resamplings.is_empty()),
        ] {
            if empty {
                return Err(KitError::NoChoice { field });
            }
        }
        // The scale parameters are checked once here, for the smallest kernel.
        let _checked = self.scales.strategy([1, 1])?;
        let params = self.clone();
        Ok(self
            .geometry()
            .prop_flat_map(move |geometry| params.with_geometry(geometry))
            .boxed())
    }

    fn geometry(&self) -> impl Strategy<Value = Geometry> + use<> {
        let pair = |r: &[RangeInclusive<usize>; 2]| (r[0].clone(), r[1].clone());
        (
            (self.channels_in.clone(), self.channels_out.clone()),
            self.groups.clone(),
            pair(&self.kernel),
            pair(&self.stride),
            pair(&self.dilation),
        )
            .prop_map(|((cin, cout), groups, kernel, stride, dilation)| {
                (
                    [cin * groups, cout * groups],
                    kernel.into(),
                    stride.into(),
                    dilation.into(),
                    groups,
                )
            })
    }

    /// Everything drawn after the geometry, which the scale sets and the input depend on.
    fn with_geometry(&self, geometry: Geometry) -> BoxedStrategy<LayerCase> {
        let (channels, kernel, stride, dilation, groups) = geometry;
        let scales = self
            .scales
            .strategy(kernel)
            .expect("checked by `strategy` for every kernel size");
        let params = self.clone();
        (
            scales,
            self.padding(),
            (
                select(self.alignments.clone()),
                select(self.sharings.clone()),
                select(self.resamplings.clone()),
            ),
            (self.batch.clone(), any::<bool>(), any::<u64>()),
            (self.extra_input[0].clone(), self.extra_input[1].clone()),
        )
            .prop_map(
                move |(
                    scales,
                    padding,
                    (alignment, sharing, resampling),
                    (batch, bias, seed),
                    extra,
                )| {
                    let config = MtsConv2dConfig::new(channels, kernel)
                        .with_scales(scales)
                        .with_stride(stride)
                        .with_dilation(dilation)
                        .with_groups(groups)
                        .with_padding(padding)
                        .with_alignment(alignment)
                        .with_sharing(sharing)
                        .with_resampling(resampling)
                        .with_bias(bias);
                    let [time, freq] = shortest_input(&config, params.min_output);
                    LayerCase {
                        config,
                        input: [batch, channels[0], time + extra.0, freq + extra.1],
                        values: params.values,
                        seed,
                    }
                },
            )
            .boxed()
    }

    /// Valid, `Same` (where asked for), symmetric and asymmetric explicit padding.
    fn padding(&self) -> BoxedStrategy<PaddingConfig2d> {
        let side = 0..=self.max_padding;
        let explicit = (side.clone(), side.clone(), side.clone(), side).prop_map(
            |(top, left, bottom, right)| PaddingConfig2d::Explicit(top, left, bottom, right),
        );
        let symmetric = (0..=self.max_padding, 0..=self.max_padding)
            .prop_map(|(time, freq)| PaddingConfig2d::Explicit(time, freq, time, freq));
        let same = if self.same_padding {
            PaddingConfig2d::Same
        } else {
            PaddingConfig2d::Valid
        };
        prop_oneof![
            Just(PaddingConfig2d::Valid),
            Just(same),
            symmetric,
            explicit
        ]
        .boxed()
    }
}

/// The shortest input `[time, freq]` on which a layer of `config` gives outputs of at least
/// `min_output` on the reference grid and on every branch's own grid (with `Centered`
/// alignment a shorter branch kernel crops the input, with `Same` padding the padding grows
/// with the input).
///
/// # Panics
/// If `config` is invalid (see [`MtsConv2dConfig::validate`]).
pub fn shortest_input(config: &MtsConv2dConfig, min_output: [usize; 2]) -> [usize; 2] {
    let branches = config
        .validate()
        .unwrap_or_else(|err| panic!("shortest_input of an invalid configuration: {err}"));
    let fits = |input: [usize; 2], axis: usize| {
        let stride = config.stride;
        let reference = reference_padding(&config.padding, input, config.kernel_size, stride);
        let kernels = branches.iter().chain([&config.kernel_size]);
        kernels.into_iter().all(|&size| {
            let pad = branch_padding(
                config.alignment,
                reference,
                config.kernel_size,
                size,
                config.dilation,
            );
            let len = branch_output_len(
                input[axis],
                pad[axis],
                size[axis],
                stride[axis],
                config.dilation[axis],
            );
            len.is_some_and(|len| len >= min_output[axis])
        })
    };
    // Each axis is searched on its own; the other's length does not change this one's padding.
    core::array::from_fn(|axis| {
        (1..=1 << 24)
            .find(|&len| fits([len, len], axis))
            .expect("an input as long as the padded, dilated kernel fits every branch")
    })
}
