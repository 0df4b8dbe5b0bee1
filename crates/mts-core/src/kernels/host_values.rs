//! Backend tensors as host memory for the fused kernels: a contiguous Flex tensor's own buffer,
//! borrowed, or any other tensor read out.

use std::any::Any;
use std::marker::PhantomData;

use burn::backend::flex::FlexTensor;
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, try_read_sync};

/// Reads a float tensor into host memory.
pub(super) fn read<B: Backend>(tensor: FloatTensor<B>) -> Vec<f32> {
    try_read_sync(B::float_into_data(tensor))
        .expect("a CPU backend reads synchronously")
        .expect("a CPU tensor can be read")
        .try_into_vec::<f32>()
        .expect("the fused kernels run on f32 tensors")
}

/// Reads an int tensor into host memory as `i32`.
pub(super) fn read_ints<B: Backend>(tensor: IntTensor<B>) -> Vec<i32> {
    try_read_sync(B::int_into_data(tensor))
        .expect("a CPU backend reads synchronously")
        .expect("a CPU tensor can be read")
        .convert::<i32>()
        .try_into_vec::<i32>()
        .expect("winners convert to i32")
}

/// A tensor's values in host memory: a contiguous Flex tensor's own buffer, borrowed (no
/// copy, however many owners it has), or any other tensor read out. Reading a tensor that
/// autodiff or the caller still holds would copy all of it.
pub(super) enum HostValues<E> {
    Flex(FlexTensor, PhantomData<E>),
    Read(Vec<E>),
}

/// The element types the fused kernels read: `f32` values and `i32` winners.
pub(super) trait HostElement: Copy + 'static {
    /// A contiguous Flex tensor's values, `None` for another dtype or layout.
    fn flex_slice(tensor: &FlexTensor) -> Option<&[Self]>;
}

impl HostElement for f32 {
    fn flex_slice(tensor: &FlexTensor) -> Option<&[Self]> {
        tensor.as_slice()
    }
}

impl HostElement for i32 {
    fn flex_slice(tensor: &FlexTensor) -> Option<&[Self]> {
        tensor.as_slice()
    }
}

impl<E: HostElement> HostValues<E> {
    /// The values of `tensor` (a backend's tensor primitive), read by `read` unless it is a
    /// contiguous Flex tensor of `E`.
    pub(super) fn of<T: 'static>(tensor: T, read: impl FnOnce(T) -> Vec<E>) -> Self {
        let tensor: Box<dyn Any> = Box::new(tensor);
        let tensor = match tensor.downcast::<FlexTensor>() {
            Ok(flex) if E::flex_slice(&flex).is_some() => return Self::Flex(*flex, PhantomData),
            Ok(flex) => flex as Box<dyn Any>,
            Err(other) => other,
        };
        Self::Read(read(
            *tensor.downcast::<T>().expect("the tensor boxed above"),
        ))
    }

    pub(super) fn as_slice(&self) -> &[E] {
        match self {
            Self::Flex(tensor, _) => E::flex_slice(tensor).expect("checked in `of`"),
            Self::Read(values) => values,
        }
    }

    /// The values as an owned vector (a copy when borrowed).
    pub(super) fn into_vec(self) -> Vec<E> {
        match self {
            Self::Read(values) => values,
            flex => flex.as_slice().to_vec(),
        }
    }
}

/// A float tensor's values in host memory.
pub(super) fn host_floats<B: Backend>(tensor: FloatTensor<B>) -> HostValues<f32> {
    HostValues::of(tensor, read::<B>)
}
