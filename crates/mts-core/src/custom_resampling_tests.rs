//! A user-defined resampling plugs into every layer, round-trips through a config by name, and
//! a bad matrix is a typed error.

use burn::tensor::{Device, Tensor};

use crate::{
    CustomResampling, KernelResampling, MtsConfigError, MtsConv1dConfig, MtsConv2dConfig,
    MtsConvTranspose2dConfig,
};

/// Cubic's own matrix, as a custom method.
fn cubic(in_len: usize, out_len: usize) -> Vec<f64> {
    KernelResampling::Cubic.matrix(in_len, out_len).unwrap()
}

fn too_short(in_len: usize, out_len: usize) -> Vec<f64> {
    vec![0.5; in_len * out_len - 1]
}

fn not_finite(in_len: usize, out_len: usize) -> Vec<f64> {
    let mut matrix = cubic(in_len, out_len);
    matrix[in_len + 1] = f64::NAN;
    matrix
}

fn custom(name: &'static str, weights: crate::ResamplingWeights) -> KernelResampling {
    KernelResampling::Custom(CustomResampling::new(name, weights))
}

#[test]
fn a_custom_method_computes_what_the_same_built_in_matrix_computes_on_every_layer() {
    let device = Device::flex();
    let x = Tensor::<4>::ones([1, 2, 16, 8], &device);
    let config = MtsConv2dConfig::new([2, 3], [4, 3]).with_time_scales(&[0.5, 1.0, 1.75]);
    let own = config
        .clone()
        .with_resampling(custom("cubic", cubic))
        .init(&device);
    let mut built_in = config
        .with_resampling(KernelResampling::Cubic)
        .init(&device);
    built_in.weight = own.weight.clone();
    built_in.bias = own.bias.clone();
    own.forward(x.clone())
        .into_data()
        .assert_eq(&built_in.forward(x.clone()).into_data(), true);
    let one_d = MtsConv1dConfig::new([2, 3], 4).with_time_scales(&[0.5, 1.0, 1.75]);
    let one_d = one_d.with_resampling(custom("cubic", cubic)).init(&device);
    let flat = Tensor::<3>::ones([1, 2, 16], &device);
    assert_eq!(one_d.forward(flat).dims(), [1, 3, 13]);
    let transposed = MtsConvTranspose2dConfig::new([2, 3], [4, 3])
        .with_scales(crate::ScaleSet::time(&[0.5, 1.0, 1.75]))
        .with_resampling(custom("cubic", cubic))
        .init(&device);
    assert_eq!(transposed.forward(x).dims(), [1, 3, 19, 10]);
}

#[test]
fn a_bad_matrix_is_a_typed_error_of_every_layer_config() {
    let scales = [0.5, 1.0];
    let short = custom("short", too_short);
    let size = MtsConfigError::ResamplingMatrixSize {
        method: "short",
        in_len: 4,
        out_len: 2,
        len: 7,
    };
    let config = MtsConv2dConfig::new([1, 1], [4, 3]).with_time_scales(&scales);
    assert_eq!(config.with_resampling(short).validate(), Err(size.clone()));
    let one_d = MtsConv1dConfig::new([1, 1], 4)
        .with_time_scales(&scales)
        .with_resampling(short);
    assert_eq!(one_d.validate(), Err(size.clone()));
    let transposed = MtsConvTranspose2dConfig::new([1, 1], [4, 3])
        .with_scales(crate::ScaleSet::time(&scales))
        .with_resampling(short);
    assert_eq!(transposed.validate(), Err(size));
    let nan = MtsConv2dConfig::new([1, 1], [4, 3])
        .with_time_scales(&[1.0, 2.0])
        .with_resampling(custom("nan", not_finite))
        .try_init(&Device::flex())
        .unwrap_err();
    assert!(
        matches!(
            nan,
            MtsConfigError::NonFiniteResamplingWeight { method: "nan", in_len: 4, out_len: 8, row: 1, column: 1, value } if value.is_nan()
        ),
        "{nan}"
    );
}

#[test]
fn a_custom_method_is_serialized_by_name_and_read_back_once_registered() {
    let config =
        MtsConv2dConfig::new([1, 1], [4, 3]).with_resampling(custom("cubic-by-name", cubic));
    let json = serde_json::to_string(&config).unwrap();
    assert!(
        json.contains(r#""resampling":{"Custom":"cubic-by-name"}"#),
        "{json}"
    );
    let unknown = serde_json::from_str::<MtsConv2dConfig>(&json).unwrap_err();
    let expected = MtsConfigError::UnregisteredResampling {
        name: "cubic-by-name".into(),
    };
    assert!(
        unknown.to_string().contains(&expected.to_string()),
        "{unknown}"
    );
    assert_eq!(
        CustomResampling::new("cubic-by-name", cubic).register(),
        None
    );
    let back: MtsConv2dConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back.resampling, custom("cubic-by-name", cubic));
}
