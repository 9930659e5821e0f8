//! A small, exact multilayer perceptron: forward, backward, and PyTorch's default initialisation.
//!
//! An [`Mlp`] is the PyTorch module
//! `nn.Sequential(Linear(n₀,n₁), act, Linear(n₁,n₂), act, …, Linear(n_{L−1},n_L) [, out_act])`.
//! Layer `l` computes, for a batch `x` of shape `[B, n_l]`,
//!
//! ```text
//! pre_l  = x · W_lᵀ + b_l        W_l: [n_{l+1}, n_l] (PyTorch layout [out, in]),  b_l: [n_{l+1}]
//! post_l = act(pre_l)            [B, n_{l+1}]; the last layer uses the output activation
//! ```
//!
//! All parameters live in one flat `f32` buffer, layer by layer, weight then bias, so that an
//! optimizer is a loop over one slice and a gradient buffer has the same layout. The state-dict
//! name of layer `l` is `"{2l}.weight"` / `"{2l}.bias"`: each hidden `Linear` is followed by its
//! activation module, exactly as in the `nn.Sequential` above.
//!
//! Backward, given `δ_L = ∂L/∂post_L` of shape `[B, n_L]`, walks the layers down:
//!
//! ```text
//! δ_pre = δ_post ⊙ act′          ReLU′(0) = 0, LeakyReLU′(0) = slope, tanh′ = 1 − y², σ′ = (1 − y)·y
//! ∂L/∂W_l += δ_preᵀ · x_l        [n_{l+1}, n_l]
//! ∂L/∂b_l += Σ_rows δ_pre        [n_{l+1}]
//! δ_post(l−1) = δ_pre · W_l      [B, n_l]   (for l = 0 this is ∂L/∂x)
//! ```
//!
//! Gradients *accumulate* into the buffer, as PyTorch's `.grad` does; zero it between steps.
//! Matrix products go through [`crate::nn::gemm`]; a [`Tape`] holds every buffer that forward and
//! backward need, so a training loop allocates nothing after its first step.
//!
//! ```
//! use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
//! use rand::SeedableRng;
//!
//! let spec = MlpSpec::new(15, &[128], 15, Activation::Relu, Activation::Identity);
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let g = Mlp::init(&spec, &mut rng).unwrap();
//! let mut tape = Tape::new(&spec, 4);
//! let noise = vec![0.5f32; 4 * 15]; // [B = 4, latent 15]
//! let curves = g.forward(&noise, &mut tape).unwrap(); // [4, 15]
//! assert_eq!(curves.len(), 4 * 15);
//! ```

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::nn::gemm::{gemm, linear_forward, vectorised, Act, Isa};

/// `σ(x) = 1 / (1 + e^(−x))`, as PyTorch's CPU kernel computes it: the [`Activation::Sigmoid`]
/// activation, and the logistic function of [`crate::nn::loss`].
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// An element-wise activation function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Activation {
    /// `max(x, 0)`, `nn.ReLU`.
    Relu,
    /// `x` for `x > 0`, else `slope·x`; `nn.LeakyReLU(slope)`.
    LeakyRelu(f32),
    /// `tanh(x)`, `nn.Tanh`.
    Tanh,
    /// `1 / (1 + e^(−x))`, `nn.Sigmoid`.
    Sigmoid,
    /// No activation (only as an output activation).
    Identity,
}

impl Activation {
    /// `post = act(pre)`, element by element.
    fn apply_into(self, pre: &[f32], post: &mut [f32]) {
        let pairs = post.iter_mut().zip(pre);
        match self {
            // Selects, not branches, so they vectorise; `x < 0` keeps a NaN a NaN.
            Activation::Relu => pairs.for_each(|(y, &x)| *y = if x < 0.0 { 0.0 } else { x }),
            Activation::LeakyRelu(slope) => {
                pairs.for_each(|(y, &x)| *y = x * if x > 0.0 { 1.0 } else { slope })
            }
            Activation::Tanh => pairs.for_each(|(y, &x)| *y = x.tanh()),
            Activation::Sigmoid => pairs.for_each(|(y, &x)| *y = sigmoid(x)),
            Activation::Identity => post.copy_from_slice(pre),
        }
    }

    /// Multiplies `grad` (∂L/∂post) in place by the derivative, turning it into ∂L/∂pre.
    /// Piecewise-linear activations look at `pre`, smooth ones at `post`, as PyTorch does.
    #[inline]
    fn backward(self, pre: &[f32], post: &[f32], grad: &mut [f32]) {
        match self {
            Activation::Relu => grad
                .iter_mut()
                .zip(pre)
                .for_each(|(g, &p)| *g = if p > 0.0 { *g } else { 0.0 }),
            Activation::LeakyRelu(slope) => grad
                .iter_mut()
                .zip(pre)
                .for_each(|(g, &p)| *g *= if p > 0.0 { 1.0 } else { slope }),
            Activation::Tanh => grad
                .iter_mut()
                .zip(post)
                .for_each(|(g, &y)| *g *= 1.0 - y * y),
            Activation::Sigmoid => grad
                .iter_mut()
                .zip(post)
                .for_each(|(g, &y)| *g = *g * (1.0 - y) * y),
            Activation::Identity => {}
        }
    }

    /// True for activations whose derivative is piecewise constant (second derivative 0),
    /// which is what an exact gradient-penalty double backward through them relies on.
    pub fn is_piecewise_linear(self) -> bool {
        matches!(
            self,
            Activation::Relu | Activation::LeakyRelu(_) | Activation::Identity
        )
    }

    /// The derivative at the pre-activation value `pre` of a piecewise-linear activation, as
    /// [`Mlp::backward`] applies it: ReLU gives 1 for `pre > 0`, else 0 (ReLU′(0) = 0);
    /// LeakyReLU gives 1 for `pre > 0`, else its slope (LeakyReLU′(0) = slope, as torch's
    /// `x > 0 ? 1 : slope`); identity gives 1. `None` for a smooth activation (tanh, sigmoid),
    /// whose derivative is not piecewise constant.
    pub fn piecewise_slope(self, pre: f32) -> Option<f32> {
        match self {
            Activation::Relu => Some(if pre > 0.0 { 1.0 } else { 0.0 }),
            Activation::LeakyRelu(slope) => Some(if pre > 0.0 { 1.0 } else { slope }),
            Activation::Identity => Some(1.0),
            Activation::Tanh | Activation::Sigmoid => None,
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Relu => write!(f, "relu"),
            Activation::LeakyRelu(s) => write!(f, "leaky-relu:{s}"),
            Activation::Tanh => write!(f, "tanh"),
            Activation::Sigmoid => write!(f, "sigmoid"),
            Activation::Identity => write!(f, "identity"),
        }
    }
}

impl std::str::FromStr for Activation {
    type Err = String;

    /// Parses `relu`, `leaky-relu`, `leaky-relu:SLOPE` (default slope 0.2), `tanh`, `sigmoid`,
    /// `identity`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "sigmoid" => Ok(Activation::Sigmoid),
            "identity" => Ok(Activation::Identity),
            "leaky-relu" => Ok(Activation::LeakyRelu(0.2)),
            _ => match s.strip_prefix("leaky-relu:") {
                Some(slope) => match slope.parse::<f32>() {
                    Ok(v) if v.is_finite() => Ok(Activation::LeakyRelu(v)),
                    _ => Err(format!("leaky-relu slope '{slope}' is not a finite number")),
                },
                None => Err(format!(
                    "unknown activation '{s}' (expected relu, leaky-relu[:SLOPE], tanh, sigmoid or identity)"
                )),
            },
        }
    }
}

impl TryFrom<String> for Activation {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse()
    }
}

impl From<Activation> for String {
    fn from(a: Activation) -> String {
        a.to_string()
    }
}

/// The shape of an MLP: layer widths and activations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpSpec {
    /// Widths from input to output: `[n₀, n₁, …, n_L]`; at least two entries.
    pub widths: Vec<usize>,
    /// Activation after every hidden layer.
    pub activation: Activation,
    /// Activation after the last layer (`Identity` for none).
    pub output_activation: Activation,
}

impl MlpSpec {
    /// `input → hidden[0] → … → output`.
    pub fn new(
        input: usize,
        hidden: &[usize],
        output: usize,
        activation: Activation,
        output_activation: Activation,
    ) -> Self {
        let mut widths = Vec::with_capacity(hidden.len() + 2);
        widths.push(input);
        widths.extend_from_slice(hidden);
        widths.push(output);
        MlpSpec {
            widths,
            activation,
            output_activation,
        }
    }

    /// Checks that every width is positive and the hidden activation is a real one.
    pub fn validate(&self) -> Result<()> {
        if self.widths.len() < 2 {
            return Err(Error::Shape(format!(
                "an MLP needs an input and an output width, got widths {:?}",
                self.widths
            )));
        }
        if let Some(i) = self.widths.iter().position(|&w| w == 0) {
            return Err(Error::Shape(format!(
                "width {i} of {:?} is 0; every layer needs at least one unit",
                self.widths
            )));
        }
        if self.activation == Activation::Identity && self.widths.len() > 2 {
            return Err(Error::Shape(
                "the hidden activation cannot be identity (nn.Sequential indices would shift)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Number of `Linear` layers.
    pub fn num_layers(&self) -> usize {
        self.widths.len() - 1
    }

    /// Input width.
    pub fn input_dim(&self) -> usize {
        self.widths[0]
    }

    /// Output width.
    pub fn output_dim(&self) -> usize {
        self.widths[self.widths.len() - 1]
    }

    /// Total number of parameters (weights and biases).
    pub fn num_params(&self) -> usize {
        self.widths.windows(2).map(|w| w[1] * w[0] + w[1]).sum()
    }

    /// Activation after layer `l`.
    fn act(&self, l: usize) -> Activation {
        if l + 1 == self.num_layers() {
            self.output_activation
        } else {
            self.activation
        }
    }

    /// Where each layer's weight and bias sit in the flat parameter buffer.
    fn offsets(&self) -> Vec<LayerOffsets> {
        let mut at = 0;
        self.widths
            .windows(2)
            .map(|w| {
                let (n_in, n_out) = (w[0], w[1]);
                let o = LayerOffsets {
                    n_in,
                    n_out,
                    weight: at,
                    bias: at + n_in * n_out,
                };
                at += n_in * n_out + n_out;
                o
            })
            .collect()
    }
}

/// Location of one `Linear` layer in the flat parameter buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerOffsets {
    /// Input width.
    pub n_in: usize,
    /// Output width.
    pub n_out: usize,
    /// Offset of the `[n_out, n_in]` weight.
    pub weight: usize,
    /// Offset of the `[n_out]` bias.
    pub bias: usize,
}

/// An MLP with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    spec: MlpSpec,
    layers: Vec<LayerOffsets>,
    params: Vec<f32>,
}

impl Mlp {
    /// An MLP of the given shape with all parameters zero.
    pub fn zeros(spec: &MlpSpec) -> Result<Self> {
        spec.validate()?;
        Ok(Mlp {
            layers: spec.offsets(),
            params: vec![0.0; spec.num_params()],
            spec: spec.clone(),
        })
    }

    /// PyTorch's default `nn.Linear` initialisation: for each layer in order, the weight and
    /// then the bias are drawn from U(−1/√n_in, 1/√n_in).
    pub fn init(spec: &MlpSpec, rng: &mut impl Rng) -> Result<Self> {
        let mut mlp = Mlp::zeros(spec)?;
        for l in 0..mlp.layers.len() {
            let o = mlp.layers[l];
            let bound = 1.0 / (o.n_in as f32).sqrt();
            let end = o.bias + o.n_out;
            for p in &mut mlp.params[o.weight..end] {
                *p = rng.random_range(-bound..bound);
            }
        }
        Ok(mlp)
    }

    /// The shape.
    pub fn spec(&self) -> &MlpSpec {
        &self.spec
    }

    /// The layers' positions in [`Mlp::params`].
    pub fn layers(&self) -> &[LayerOffsets] {
        &self.layers
    }

    /// All parameters, flat: layer by layer, weight (`[out, in]`) then bias.
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// All parameters, mutable (for optimizers and loading).
    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    /// The `nn.Sequential` state-dict entries: `(name, shape, offset in params)`, in order.
    pub fn state_dict_layout(&self) -> Vec<(String, Vec<usize>, usize)> {
        let mut out = Vec::with_capacity(2 * self.layers.len());
        for (l, o) in self.layers.iter().enumerate() {
            out.push((format!("{}.weight", 2 * l), vec![o.n_out, o.n_in], o.weight));
            out.push((format!("{}.bias", 2 * l), vec![o.n_out], o.bias));
        }
        out
    }

    /// Runs the MLP on `x` (`[B, n₀]`, row-major), keeping in `tape` what backward needs,
    /// and returns the output `[B, n_L]`.
    pub fn forward<'t>(&self, x: &[f32], tape: &'t mut Tape) -> Result<&'t [f32]> {
        let n0 = self.spec.input_dim();
        if n0 == 0 || !x.len().is_multiple_of(n0) {
            return Err(Error::Shape(format!(
                "MLP input has {} values, not a multiple of the input width {n0}",
                x.len()
            )));
        }
        let batch = x.len() / n0;
        tape.prepare(&self.spec, batch);
        tape.input.copy_from_slice(x);
        for (l, o) in self.layers.iter().enumerate() {
            let (before, rest) = tape.post.split_at_mut(l);
            let input: &[f32] = if l == 0 { &tape.input } else { &before[l - 1] };
            // pre[B, out] = input[B, in] · Wᵀ + b, post = act(pre): one pass.
            let act = self.spec.act(l);
            let smooth = |pre: &[f32], post: &mut [f32]| act.apply_into(pre, post);
            linear_forward(
                batch,
                o.n_in,
                o.n_out,
                input,
                &self.params[o.weight..o.bias],
                &self.params[o.bias..o.bias + o.n_out],
                match act {
                    Activation::Relu => Act::Relu,
                    Activation::LeakyRelu(slope) => Act::LeakyRelu(slope),
                    Activation::Identity => Act::Identity,
                    Activation::Tanh | Activation::Sigmoid => Act::Rows(&smooth),
                },
                &mut tape.pre[l],
                &mut rest[0],
            );
        }
        Ok(tape.output())
    }

    /// Backpropagates `grad_output` (∂L/∂output, `[B, n_L]`) through the last forward pass
    /// recorded in `tape`. Adds ∂L/∂params into `grads` when given (same layout as
    /// [`Mlp::params`]) and writes ∂L/∂x into `grad_input` when given (`[B, n₀]`).
    pub fn backward(
        &self,
        tape: &mut Tape,
        grad_output: &[f32],
        mut grads: Option<&mut [f32]>,
        mut grad_input: Option<&mut [f32]>,
    ) -> Result<()> {
        let batch = tape.batch;
        let n_last = self.spec.output_dim();
        if grad_output.len() != batch * n_last {
            return Err(Error::Shape(format!(
                "gradient of the output has {} values, the last forward produced [{batch}, {n_last}]",
                grad_output.len()
            )));
        }
        if let Some(g) = grads.as_deref() {
            if g.len() != self.params.len() {
                return Err(Error::Shape(format!(
                    "gradient buffer has {} values, the MLP has {} parameters",
                    g.len(),
                    self.params.len()
                )));
            }
        }
        if let Some(gi) = grad_input.as_deref() {
            if gi.len() != batch * self.spec.input_dim() {
                return Err(Error::Shape(format!(
                    "input-gradient buffer has {} values, the input was [{batch}, {}]",
                    gi.len(),
                    self.spec.input_dim()
                )));
            }
        }
        // The element-wise loops below run compiled for the CPU's vector instructions.
        vectorised(
            Isa::current(),
            #[inline(always)]
            || {
                let last = self.layers.len() - 1;
                tape.delta[last].copy_from_slice(grad_output);
                for l in (0..self.layers.len()).rev() {
                    let o = self.layers[l];
                    // δ_pre = δ_post ⊙ act′(pre_l)
                    self.spec
                        .act(l)
                        .backward(&tape.pre[l], &tape.post[l], &mut tape.delta[l]);
                    let delta = &tape.delta[l];
                    if let Some(g) = grads.as_deref_mut() {
                        let input: &[f32] = if l == 0 {
                            &tape.input
                        } else {
                            &tape.post[l - 1]
                        };
                        // ∂W[out, in] += δᵀ[out, B] · input[B, in]
                        gemm(
                            o.n_out,
                            batch,
                            o.n_in,
                            delta,
                            (1, o.n_out),
                            input,
                            (o.n_in, 1),
                            1.0,
                            &mut g[o.weight..o.bias],
                            (o.n_in, 1),
                        );
                        let gb = &mut g[o.bias..o.bias + o.n_out];
                        for row in delta.chunks_exact(o.n_out) {
                            gb.iter_mut().zip(row).for_each(|(b, d)| *b += d);
                        }
                    }
                    // δ_post(l−1)[B, in] = δ[B, out] · W[out, in]
                    let (below, here) = tape.delta.split_at_mut(l);
                    let dst: &mut [f32] = match (l, grad_input.as_deref_mut()) {
                        (0, Some(gi)) => gi,
                        (0, None) => break,
                        _ => &mut below[l - 1],
                    };
                    gemm(
                        batch,
                        o.n_out,
                        o.n_in,
                        &here[0],
                        (o.n_out, 1),
                        &self.params[o.weight..o.bias],
                        (o.n_in, 1),
                        0.0,
                        dst,
                        (o.n_in, 1),
                    );
                }
            },
        );
        Ok(())
    }
}

/// What a forward pass keeps for backward: the input and each layer's pre- and post-activation
/// values, plus the backward deltas. Grows to the largest batch it has seen, never shrinks.
#[derive(Debug, Clone, Default)]
pub struct Tape {
    batch: usize,
    input: Vec<f32>,
    pre: Vec<Vec<f32>>,
    post: Vec<Vec<f32>>,
    delta: Vec<Vec<f32>>,
}

impl Tape {
    /// A tape sized for `batch` rows of an MLP of shape `spec`.
    pub fn new(spec: &MlpSpec, batch: usize) -> Self {
        let mut t = Tape::default();
        t.prepare(spec, batch);
        t
    }

    fn prepare(&mut self, spec: &MlpSpec, batch: usize) {
        let n = spec.num_layers();
        self.batch = batch;
        self.input.resize(batch * spec.input_dim(), 0.0);
        for v in [&mut self.pre, &mut self.post, &mut self.delta] {
            v.resize_with(n, Vec::new);
            for (l, buf) in v.iter_mut().enumerate() {
                buf.resize(batch * spec.widths[l + 1], 0.0);
            }
        }
    }

    /// Rows in the last forward pass.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Output of the last forward pass, `[B, n_L]`.
    pub fn output(&self) -> &[f32] {
        self.post.last().map(Vec::as_slice).unwrap_or(&[])
    }

    /// Pre-activation of layer `l` in the last forward pass, `[B, n_{l+1}]`.
    pub fn pre_activation(&self, l: usize) -> &[f32] {
        &self.pre[l]
    }

    /// Post-activation of layer `l` in the last forward pass, `[B, n_{l+1}]`.
    pub fn post_activation(&self, l: usize) -> &[f32] {
        &self.post[l]
    }
}
