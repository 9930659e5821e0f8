//! The engine (may use: text, error): a small, exact MLP engine with PyTorch's numerics. It
//! knows nothing of GANs.
//!
//! - [`mlp`]: `Linear → activation → … → Linear → head`, forward and backward, PyTorch's
//!   default initialisation (`W`, `b` ~ U(−1/√fan_in, 1/√fan_in));
//! - [`gemm`]: the matrix products, exact and the same on every CPU (runtime dispatch:
//!   AVX-512, AVX2 + FMA, portable);
//! - [`optim`]: Adam and RMSprop, PyTorch's single-tensor updates bit for bit;
//! - [`criterion`]: the element losses (BCE with PyTorch's clamps, BCE on logits, hinge, least
//!   squares) with their gradients;
//! - [`gp`]: the gradient penalty `(‖∇ₓ D(x)‖₂ − 1)²` and its exact gradient by double
//!   backpropagation;
//! - [`spectral`]: spectral normalisation of the `Linear` layers (PyTorch's `spectral_norm`:
//!   one power iteration per forward call, `W/σ`, and its backward);
//! - [`basis`]: a smooth output basis (cubic B-splines) for G, a fixed last linear map;
//! - [`ema`]: the exponential moving average of a network's parameters (`θ̄ ← θ̄ + (1 − d)(θ − θ̄)`);
//! - [`state_dict`]: parameters ↔ safetensors bytes under `nn.Sequential`'s names;
//! - [`onnx`]: an MLP as an ONNX graph (opset 17, IR 8), its protobuf encoded by `prost`.

pub mod basis;
pub mod criterion;
pub mod ema;
pub mod gemm;
pub mod gp;
pub mod mlp;
pub mod onnx;
pub mod optim;
pub mod spectral;
pub mod state_dict;
