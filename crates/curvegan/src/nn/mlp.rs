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
//! All parameters live in one flat `f32` buffer, layer by layer, weight then bias (or BN's γ
//! and β, below), so that an
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
//! # Batch normalisation (`batchnorm`, G of the mode-collapse papers)
//!
//! With `batchnorm` every hidden `Linear` is followed by `BatchNorm1d(n_{l+1})` (eps
//! [`BN_EPS`] = 1e-5, momentum [`BN_MOMENTUM`] = 0.1) before the activation, so the
//! `nn.Sequential` is `Linear 0, BN 1, act 2, Linear 3, BN 4, act 5, …, Linear 3(L−1)`: layer
//! `l`'s `Linear` is module `3l`, its BN `3l + 1`. A hidden `Linear` before a BN has no bias
//! (`nn.Linear(n_l, n_{l+1}, bias=False)`): BN subtracts the batch mean, so a bias there would
//! not change the output and its gradient would be exactly 0, in f32 rounding noise that Adam
//! would amplify into steps of `lr`-size. For `h = pre_l = x·W_lᵀ` (`[B, n]`) and feature `j`:
//!
//! ```text
//! training:  μ_j = mean_b h_bj,  σ²_j = mean_b (h_bj − μ_j)²   (biased), B ≥ 2
//!            x̂ = (h − μ) / √(σ² + eps),  y = γ ⊙ x̂ + β,  post = act(y)
//!            running_mean ← (1 − m)·running_mean + m·μ
//!            running_var  ← (1 − m)·running_var  + m·σ²·B/(B − 1)   (unbiased)
//!            num_batches_tracked += 1
//! eval:      x̂ = (h − running_mean) / √(running_var + eps), nothing updated
//! backward:  ∂γ = Σ_b dy ⊙ x̂,  ∂β = Σ_b dy,
//!            ∂h = γ/(B·√(σ² + eps)) ⊙ (B·dy − Σ_b dy − x̂ ⊙ Σ_b (dy ⊙ x̂))
//! ```
//!
//! γ (init 1) and β (init 0) are parameters, in the flat buffer right after their layer's bias;
//! the running statistics are buffers ([`BatchNormBuffers`]), outside it. [`Mlp::forward_train`]
//! is PyTorch's `train()` mode, [`Mlp::forward`] its `eval()` mode; for a net without batch
//! normalisation the two are the same.
//!
//! # Maxout (`maxout = K ≥ 2`, D of the mode-collapse papers)
//!
//! Every hidden layer is `Linear(n_l, n_{l+1}·K)` followed by a max over `K` pieces, replacing
//! the activation: `post_{b,u} = max_j pre_{b, u·K + j}` (`pre`: `[B, n_{l+1}·K]`, `post`:
//! `[B, n_{l+1}]`), i.e. PyTorch's `x.view(B, n, K).max(dim=2).values`; the max module has no
//! parameters, so the state-dict names stay `{2l}.weight`. Backward sends each unit's gradient
//! to its selected piece (the first of equal maxima, as `torch.max`), the others get 0.
//!
//! # A smooth output basis (`basis`, G of smooth curves)
//!
//! With `basis` ([`BasisSpec`], [`crate::nn::basis`]) the last `Linear` gives `n_L =
//! channels · k` spline coefficients and a fixed, bias-free map `M` (`[channels · points, n_L]`,
//! not a parameter) follows: `out = post_L · Mᵀ`, `[B, channels · points]`, and backward starts
//! with `δ_L = ∂L/∂out · M`. In PyTorch: one more module, `nn.Linear(n_L, channels · points,
//! bias=False)` with `M` as its frozen weight, right after the last `Linear` (the output
//! activation must be the identity), so its state-dict name is the next index's `weight`.
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
pub use crate::nn::basis::BasisSpec;
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

/// `BatchNorm1d`'s `eps`, PyTorch's default.
pub const BN_EPS: f64 = 1e-5;

/// `BatchNorm1d`'s `momentum`, PyTorch's default: the weight of the new batch's statistics in
/// the running ones.
pub const BN_MOMENTUM: f32 = 0.1;

/// The largest number of maxout pieces per unit.
pub const MAX_MAXOUT: usize = 16;

fn is_false(b: &bool) -> bool {
    !*b
}

fn one() -> usize {
    1
}

fn is_one(k: &usize) -> bool {
    *k == 1
}

/// The shape of an MLP: layer widths, activations, and what the hidden layers are made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpSpec {
    /// Widths from input to output: `[n₀, n₁, …, n_L]`; at least two entries.
    pub widths: Vec<usize>,
    /// Activation after every hidden layer (unused with maxout).
    pub activation: Activation,
    /// Activation after the last layer (`Identity` for none).
    pub output_activation: Activation,
    /// `BatchNorm1d` between every hidden `Linear` and its activation (see the module docs).
    #[serde(default, skip_serializing_if = "is_false")]
    pub batchnorm: bool,
    /// Maxout pieces per hidden unit, replacing the hidden activation; 1 for the plain
    /// activation (see the module docs).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub maxout: usize,
    /// A fixed smooth basis after the last `Linear` (see the module docs): the last width is
    /// then the basis's coefficients, and the output its `channels · points` values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<BasisSpec>,
}

impl MlpSpec {
    /// `input → hidden[0] → … → output`, plain hidden layers (no batch normalisation, no
    /// maxout).
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
            batchnorm: false,
            maxout: 1,
            basis: None,
        }
    }

    /// The same shape with (or without) `BatchNorm1d` after every hidden `Linear`.
    pub fn with_batchnorm(mut self, batchnorm: bool) -> Self {
        self.batchnorm = batchnorm;
        self
    }

    /// The same shape with `pieces` maxout pieces per hidden unit (1: the plain activation).
    pub fn with_maxout(mut self, pieces: usize) -> Self {
        self.maxout = pieces;
        self
    }

    /// The same shape with (or without) a smooth output basis after the last `Linear`, whose
    /// width must then be `basis.inputs()`.
    pub fn with_basis(mut self, basis: Option<BasisSpec>) -> Self {
        self.basis = basis;
        self
    }

    /// Checks that every width is positive, the hidden activation is a real one, and the
    /// hidden layers' options fit together.
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
        if !(1..=MAX_MAXOUT).contains(&self.maxout) {
            return Err(Error::Shape(format!(
                "maxout takes 1 to {MAX_MAXOUT} pieces per unit, got {}",
                self.maxout
            )));
        }
        if self.batchnorm && self.maxout > 1 {
            return Err(Error::Shape(format!(
                "one net cannot have both batch normalisation and maxout ({} pieces)",
                self.maxout
            )));
        }
        if let Some(b) = &self.basis {
            b.validate()?;
            let last = self.widths[self.widths.len() - 1];
            if last != b.inputs() || self.output_activation != Activation::Identity {
                return Err(Error::Shape(format!(
                    "a smooth basis of {} × {} coefficients follows a last Linear of that width and no output activation, got width {last} and {}",
                    b.channels, b.coefficients, self.output_activation
                )));
            }
        }
        if self.activation == Activation::Identity && self.widths.len() > 2 && self.maxout == 1 {
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

    /// Output width: the last layer's, or the smooth basis's values.
    pub fn output_dim(&self) -> usize {
        match &self.basis {
            Some(b) => b.outputs(),
            None => self.widths[self.widths.len() - 1],
        }
    }

    /// Total number of parameters (weights and biases, and BN's γ and β).
    pub fn num_params(&self) -> usize {
        (0..self.num_layers())
            .map(|l| {
                let (n_in, n_out) = (self.widths[l], self.linear_out(l));
                // A normalised layer: no bias, BN's γ and β.
                let extra = if self.is_normalised(l) {
                    2 * n_out
                } else {
                    n_out
                };
                n_out * n_in + extra
            })
            .sum()
    }

    /// True for a hidden layer (every layer but the last).
    fn is_hidden(&self, l: usize) -> bool {
        l + 1 < self.num_layers()
    }

    /// True if layer `l` has a `BatchNorm1d`.
    fn is_normalised(&self, l: usize) -> bool {
        self.batchnorm && self.is_hidden(l)
    }

    /// Maxout pieces of layer `l`'s units (1: a plain layer).
    fn pieces(&self, l: usize) -> usize {
        if self.is_hidden(l) {
            self.maxout
        } else {
            1
        }
    }

    /// Output width of layer `l`'s `Linear`: its units times their pieces.
    fn linear_out(&self, l: usize) -> usize {
        self.widths[l + 1] * self.pieces(l)
    }

    /// Activation after layer `l`.
    fn act(&self, l: usize) -> Activation {
        if l + 1 == self.num_layers() {
            self.output_activation
        } else {
            self.activation
        }
    }

    /// The `nn.Sequential` index of layer `l`'s `Linear` (`2l`, or `3l` with batch
    /// normalisation); its `BatchNorm1d` is the next index.
    pub fn module_index(&self, l: usize) -> usize {
        l * if self.batchnorm { 3 } else { 2 }
    }

    /// Where each layer's weight and bias (and γ, β) sit in the flat parameter buffer.
    fn offsets(&self) -> Vec<LayerOffsets> {
        let mut at = 0;
        (0..self.num_layers())
            .map(|l| {
                let (n_in, n_out) = (self.widths[l], self.linear_out(l));
                let units = self.widths[l + 1];
                let o = LayerOffsets {
                    n_in,
                    n_out,
                    units,
                    weight: at,
                    bias: at + n_in * n_out,
                    norm: self.is_normalised(l).then_some(at + n_in * n_out),
                };
                at += n_in * n_out + if o.norm.is_some() { 2 * units } else { n_out };
                o
            })
            .collect()
    }
}

/// Location of one layer (`Linear`, and its `BatchNorm1d`) in the flat parameter buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerOffsets {
    /// Input width.
    pub n_in: usize,
    /// Output width of the `Linear`: `units` times the maxout pieces.
    pub n_out: usize,
    /// Output width of the layer (after the maxout): its units.
    pub units: usize,
    /// Offset of the `[n_out, n_in]` weight.
    pub weight: usize,
    /// Offset of the `[n_out]` bias (where the weight ends).
    pub bias: usize,
    /// With batch normalisation: offset of γ (`[units]`), followed by β (`[units]`); the
    /// layer then has no bias.
    pub norm: Option<usize>,
}

impl LayerOffsets {
    /// Length of the bias: `n_out`, or 0 for a `Linear` followed by batch normalisation.
    pub fn bias_len(&self) -> usize {
        if self.norm.is_some() {
            0
        } else {
            self.n_out
        }
    }
}

/// The running statistics of one `BatchNorm1d`: buffers, not parameters (no gradient).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormBuffers {
    /// `running_mean`, `[units]`, initially 0.
    pub running_mean: Vec<f32>,
    /// `running_var` (unbiased), `[units]`, initially 1.
    pub running_var: Vec<f32>,
    /// `num_batches_tracked`: training-mode forward passes so far (int64 in PyTorch).
    pub num_batches_tracked: i64,
}

impl BatchNormBuffers {
    /// PyTorch's initial buffers for `units` features.
    fn new(units: usize) -> Self {
        BatchNormBuffers {
            running_mean: vec![0.0; units],
            running_var: vec![1.0; units],
            num_batches_tracked: 0,
        }
    }
}

/// An MLP with its parameters (and batch normalisation's running statistics).
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    spec: MlpSpec,
    layers: Vec<LayerOffsets>,
    params: Vec<f32>,
    /// One per hidden layer with batch normalisation, else empty.
    norms: Vec<BatchNormBuffers>,
    /// The smooth basis's fixed `M`, `[outputs, coefficients]` (empty without one).
    basis: Vec<f32>,
}

impl Mlp {
    /// An MLP of the given shape with all parameters zero (batch normalisation's running
    /// statistics at PyTorch's initial values).
    pub fn zeros(spec: &MlpSpec) -> Result<Self> {
        spec.validate()?;
        let layers = spec.offsets();
        let norms = layers
            .iter()
            .filter(|o| o.norm.is_some())
            .map(|o| BatchNormBuffers::new(o.units))
            .collect();
        let basis = match &spec.basis {
            Some(b) => b.matrix()?,
            None => Vec::new(),
        };
        Ok(Mlp {
            layers,
            params: vec![0.0; spec.num_params()],
            spec: spec.clone(),
            norms,
            basis,
        })
    }

    /// PyTorch's default initialisation: for each `Linear` in order, the weight and then the
    /// bias are drawn from U(−1/√n_in, 1/√n_in); a `BatchNorm1d` draws nothing (γ = 1, β = 0).
    pub fn init(spec: &MlpSpec, rng: &mut impl Rng) -> Result<Self> {
        let mut mlp = Mlp::zeros(spec)?;
        for l in 0..mlp.layers.len() {
            let o = mlp.layers[l];
            let bound = 1.0 / (o.n_in as f32).sqrt();
            let end = o.bias + o.bias_len();
            for p in &mut mlp.params[o.weight..end] {
                *p = rng.random_range(-bound..bound);
            }
            if let Some(norm) = o.norm {
                mlp.params[norm..norm + o.units].fill(1.0);
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

    /// All parameters, flat: layer by layer, weight (`[out, in]`) then bias (then γ, β).
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// All parameters, mutable (for optimizers and loading).
    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    /// The running statistics, one per hidden layer with batch normalisation, in order
    /// (layer `l`'s belong to `nn.Sequential` module `3l + 1`); empty without.
    pub fn batchnorm_buffers(&self) -> &[BatchNormBuffers] {
        &self.norms
    }

    /// The running statistics, mutable (for loading).
    pub fn batchnorm_buffers_mut(&mut self) -> &mut [BatchNormBuffers] {
        &mut self.norms
    }

    /// The smooth basis's fixed matrix `M` (`[outputs, coefficients]`, nn.Linear's layout) and
    /// its `nn.Sequential` index (right after the last `Linear`); `None` without a basis.
    pub fn basis(&self) -> Option<(&[f32], usize)> {
        let index = self.spec.module_index(self.layers.len() - 1) + 1;
        self.spec.basis.map(|_| (self.basis.as_slice(), index))
    }

    /// The `nn.Sequential` state-dict entries of the parameters: `(name, shape, offset in
    /// params)`, in order. Batch normalisation's buffers are in [`Mlp::batchnorm_buffers`].
    pub fn state_dict_layout(&self) -> Vec<(String, Vec<usize>, usize)> {
        let mut out = Vec::with_capacity(4 * self.layers.len());
        for (l, o) in self.layers.iter().enumerate() {
            let m = self.spec.module_index(l);
            out.push((format!("{m}.weight"), vec![o.n_out, o.n_in], o.weight));
            if o.bias_len() > 0 {
                out.push((format!("{m}.bias"), vec![o.n_out], o.bias));
            }
            if let Some(norm) = o.norm {
                out.push((format!("{}.weight", m + 1), vec![o.units], norm));
                out.push((format!("{}.bias", m + 1), vec![o.units], norm + o.units));
            }
        }
        out
    }

    /// Runs the MLP in evaluation mode (PyTorch's `eval()`: batch normalisation uses the
    /// running statistics and updates nothing) on `x` (`[B, n₀]`, row-major), keeping in
    /// `tape` what backward needs, and returns the output `[B, n_L]`.
    pub fn forward<'t>(&self, x: &[f32], tape: &'t mut Tape) -> Result<&'t [f32]> {
        self.run(x, tape, None)
    }

    /// Runs the MLP in training mode (PyTorch's `train()`): batch normalisation normalises
    /// with the batch's statistics and updates the running ones. Without batch normalisation
    /// the same as [`Mlp::forward`]. With it, a batch of one row is an error, as in PyTorch.
    pub fn forward_train<'t>(&mut self, x: &[f32], tape: &'t mut Tape) -> Result<&'t [f32]> {
        let mut norms = std::mem::take(&mut self.norms);
        let out = self.run(x, tape, Some(&mut norms));
        self.norms = norms;
        out
    }

    /// The forward pass; `train` holds the running statistics to update in training mode.
    fn run<'t>(
        &self,
        x: &[f32],
        tape: &'t mut Tape,
        mut train: Option<&mut [BatchNormBuffers]>,
    ) -> Result<&'t [f32]> {
        let n0 = self.spec.input_dim();
        if n0 == 0 || !x.len().is_multiple_of(n0) {
            return Err(Error::Shape(format!(
                "MLP input has {} values, not a multiple of the input width {n0}",
                x.len()
            )));
        }
        let batch = x.len() / n0;
        if train.as_ref().is_some_and(|n| !n.is_empty()) && batch < 2 {
            return Err(Error::Shape(format!(
                "batch normalisation in training mode needs more than 1 row per batch, got {batch} (PyTorch: expected more than 1 value per channel when training)"
            )));
        }
        tape.prepare(&self.spec, batch);
        tape.train = train.is_some();
        tape.input.copy_from_slice(x);
        for (l, o) in self.layers.iter().enumerate() {
            let (before, rest) = tape.post.split_at_mut(l);
            let input: &[f32] = if l == 0 { &tape.input } else { &before[l - 1] };
            let weight = &self.params[o.weight..o.bias];
            let bias = match o.bias_len() {
                0 => &tape.zeros[..o.n_out],
                n => &self.params[o.bias..o.bias + n],
            };
            let (pre, post) = (&mut tape.pre[l], &mut rest[0]);
            let act = self.spec.act(l);
            if let Some(norm) = o.norm {
                // h = Linear(input) into pre, BN in place (h → y), then post = act(y).
                let n = o.units;
                let (centred, mean, invstd) =
                    (&mut tape.centred[l], &mut tape.mean[l], &mut tape.invstd[l]);
                let (i, plain) = (Act::Identity, centred.as_mut_slice());
                linear_forward(batch, o.n_in, n, input, weight, bias, i, pre, plain);
                match train.as_deref_mut() {
                    Some(norms) => batch_statistics(batch, pre, &mut norms[l], mean, invstd),
                    None => running_statistics(&self.norms[l], mean, invstd),
                }
                let gamma = &self.params[norm..norm + n];
                let beta = &self.params[norm + n..norm + 2 * n];
                normalise(gamma, beta, mean, invstd, pre, centred);
                act.apply_into(pre, post);
            } else if o.n_out != o.units {
                // Maxout: pre = Linear(input), [B, units·K]; post = max over each unit's pieces.
                let scratch = &mut tape.spread[l];
                linear_forward(
                    batch,
                    o.n_in,
                    o.n_out,
                    input,
                    weight,
                    bias,
                    Act::Identity,
                    pre,
                    scratch,
                );
                maxout_forward(o.units, o.n_out / o.units, pre, post, &mut tape.argmax[l]);
            } else {
                // pre[B, out] = input[B, in] · Wᵀ + b, post = act(pre): one pass.
                let smooth = |pre: &[f32], post: &mut [f32]| act.apply_into(pre, post);
                linear_forward(
                    batch,
                    o.n_in,
                    o.n_out,
                    input,
                    weight,
                    bias,
                    match act {
                        Activation::Relu => Act::Relu,
                        Activation::LeakyRelu(slope) => Act::LeakyRelu(slope),
                        Activation::Identity => Act::Identity,
                        Activation::Tanh | Activation::Sigmoid => Act::Rows(&smooth),
                    },
                    pre,
                    post,
                );
            }
        }
        if let Some(b) = &self.spec.basis {
            // out[B, outputs] = coefficients[B, k] · Mᵀ
            let (k, n) = (b.inputs(), b.outputs());
            let coefficients = &tape.post[self.layers.len() - 1];
            let strides = ((k, 1), (1, k), (n, 1));
            let (a, m, c) = (coefficients, &self.basis, &mut tape.smooth);
            gemm(batch, k, n, a, strides.0, m, strides.1, 0.0, c, strides.2);
        }
        Ok(tape.output())
    }

    /// Backpropagates `grad_output` (∂L/∂output, `[B, n_L]`) through the last forward pass
    /// recorded in `tape`. Adds ∂L/∂params into `grads` when given (same layout as
    /// [`Mlp::params`]) and writes ∂L/∂x into `grad_input` when given (`[B, n₀]`). Through
    /// batch normalisation, the forward pass must have been [`Mlp::forward_train`]'s.
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
        if !self.norms.is_empty() && !tape.train {
            return Err(Error::Shape(
                "backward through batch normalisation needs a training-mode forward pass (forward_train), the tape holds an evaluation-mode one"
                    .into(),
            ));
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
                match &self.spec.basis {
                    // δ_L[B, k] = ∂L/∂out[B, outputs] · M[outputs, k]
                    Some(b) => {
                        let (k, n) = (b.inputs(), b.outputs());
                        let (g, m, d) = (grad_output, &self.basis, &mut tape.delta[last]);
                        gemm(batch, n, k, g, (n, 1), m, (k, 1), 0.0, d, (k, 1));
                    }
                    None => tape.delta[last].copy_from_slice(grad_output),
                }
                for l in (0..self.layers.len()).rev() {
                    let o = self.layers[l];
                    let act = self.spec.act(l);
                    let maxout = o.n_out != o.units;
                    if maxout {
                        // ∂L/∂pre: each unit's gradient to its selected piece.
                        let k = o.n_out / o.units;
                        maxout_backward(k, &tape.argmax[l], &tape.delta[l], &mut tape.spread[l]);
                    } else {
                        // δ_pre = δ_post ⊙ act′(pre_l) (with BN: act′ at y, then BN's backward)
                        act.backward(&tape.pre[l], &tape.post[l], &mut tape.delta[l]);
                    }
                    if let Some(norm) = o.norm {
                        let gamma = &self.params[norm..norm + o.units];
                        let gb = grads
                            .as_deref_mut()
                            .map(|g| &mut g[norm..norm + 2 * o.units]);
                        let (centred, invstd) = (&tape.centred[l], &tape.invstd[l]);
                        let (dy, sums) = (&mut tape.delta[l], &mut tape.sums);
                        batchnorm_backward(gamma, centred, invstd, dy, gb, sums);
                    }
                    let (below, here) = tape.delta.split_at_mut(l);
                    let delta: &[f32] = if maxout { &tape.spread[l] } else { &here[0] };
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
                        let gb = &mut g[o.bias..o.bias + o.bias_len()];
                        if !gb.is_empty() {
                            for row in delta.chunks_exact(o.n_out) {
                                gb.iter_mut().zip(row).for_each(|(b, d)| *b += d);
                            }
                        }
                    }
                    // δ_post(l−1)[B, in] = δ[B, out] · W[out, in]
                    let dst: &mut [f32] = match (l, grad_input.as_deref_mut()) {
                        (0, Some(gi)) => gi,
                        (0, None) => break,
                        _ => &mut below[l - 1],
                    };
                    gemm(
                        batch,
                        o.n_out,
                        o.n_in,
                        delta,
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

/// Training mode: the batch's mean and `1/√(σ²_biased + eps)` of each feature of `h`
/// (`[B, n]`) into `mean` and `invstd`, and the running statistics updated, in PyTorch's CPU
/// kernel's arithmetic: f32 sums row after row, the mean rounded to f32 before the sum of
/// squares, `invstd` from the f32 variance in f64, the running variance's sum in f64.
fn batch_statistics(
    batch: usize,
    h: &[f32],
    bn: &mut BatchNormBuffers,
    mean: &mut [f32],
    invstd: &mut [f32],
) {
    let n = mean.len();
    let m = BN_MOMENTUM;
    let rows = batch as f32;
    for j in 0..n {
        let column = || h.iter().skip(j).step_by(n);
        let sum: f32 = column().fold(0.0, |s, &v| s + v);
        let mu = (sum as f64 / batch as f64) as f32;
        let var_sum: f32 = column().fold(0.0, |s, &v| s + (v - mu) * (v - mu));
        mean[j] = mu;
        invstd[j] = (1.0 / ((var_sum / rows) as f64 + BN_EPS).sqrt()) as f32;
        bn.running_mean[j] = m * mu + (1.0 - m) * bn.running_mean[j];
        let unbiased = (var_sum / (rows - 1.0)) as f64;
        bn.running_var[j] = (m as f64 * unbiased + ((1.0 - m) * bn.running_var[j]) as f64) as f32;
    }
    bn.num_batches_tracked += 1;
}

/// Evaluation mode: the running mean and `1/√(running_var + eps)` (in f32, as PyTorch).
fn running_statistics(bn: &BatchNormBuffers, mean: &mut [f32], invstd: &mut [f32]) {
    mean.copy_from_slice(&bn.running_mean);
    for (s, &v) in invstd.iter_mut().zip(&bn.running_var) {
        *s = 1.0 / (v + BN_EPS as f32).sqrt();
    }
}

/// `h ← γ ⊙ (h − μ)·invstd + β` in place, computed as PyTorch does (`h·α + (β − μ·α)` with
/// `α = invstd·γ`), and `centred = h − μ` for backward. `h`, `centred`: `[B, n]`.
fn normalise(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    invstd: &[f32],
    h: &mut [f32],
    centred: &mut [f32],
) {
    let n = mean.len();
    for (row, c_row) in h.chunks_exact_mut(n).zip(centred.chunks_exact_mut(n)) {
        for j in 0..n {
            let alpha = invstd[j] * gamma[j];
            let shift = beta[j] - mean[j] * alpha;
            c_row[j] = row[j] - mean[j];
            row[j] = row[j] * alpha + shift;
        }
    }
}

/// BN's training-mode backward, in place: `dy` (∂L/∂y, `[B, n]`) becomes ∂L/∂h, and
/// `Σ dy ⊙ x̂`, `Σ dy` are added to `grad` (γ's then β's, `[2n]`) when given. In PyTorch's CPU
/// kernel's arithmetic (f32, sums row after row): `dotp = Σ (h − μ)·dy`,
/// `k = dotp·invstd·invstd/B`, `∂h = (dy − Σdy/B − (h − μ)·k)·invstd·γ`, `∂γ = dotp·invstd`.
fn batchnorm_backward(
    gamma: &[f32],
    centred: &[f32],
    invstd: &[f32],
    dy: &mut [f32],
    grad: Option<&mut [f32]>,
    sums: &mut Vec<f32>,
) {
    let n = gamma.len();
    let rows = (dy.len() / n) as f32;
    sums.clear();
    sums.resize(2 * n, 0.0);
    let (dotp, sum) = sums.split_at_mut(n);
    for (d_row, c_row) in dy.chunks_exact(n).zip(centred.chunks_exact(n)) {
        for j in 0..n {
            sum[j] += d_row[j];
            dotp[j] += c_row[j] * d_row[j];
        }
    }
    if let Some(g) = grad {
        let (g_gamma, g_beta) = g.split_at_mut(n);
        for j in 0..n {
            g_gamma[j] += dotp[j] * invstd[j];
            g_beta[j] += sum[j];
        }
    }
    for (d_row, c_row) in dy.chunks_exact_mut(n).zip(centred.chunks_exact(n)) {
        for j in 0..n {
            let k = dotp[j] * invstd[j] * invstd[j] / rows;
            let grad_mean = sum[j] / rows;
            d_row[j] = (d_row[j] - grad_mean - c_row[j] * k) * invstd[j] * gamma[j];
        }
    }
}

/// Maxout's forward: `post[b, u] = max_j pre[b, u·K + j]` and the selected `j` in `argmax`
/// (the first of equal maxima; a NaN piece wins, so NaN propagates, as `torch.max`).
fn maxout_forward(units: usize, k: usize, pre: &[f32], post: &mut [f32], argmax: &mut [u32]) {
    let rows = pre
        .chunks_exact(units * k)
        .zip(post.chunks_exact_mut(units))
        .zip(argmax.chunks_exact_mut(units));
    for ((p_row, y_row), a_row) in rows {
        for ((pieces, y), a) in p_row.chunks_exact(k).zip(y_row).zip(a_row) {
            let mut best = 0;
            for (j, &v) in pieces.iter().enumerate().skip(1) {
                let b = pieces[best];
                if v > b || (v.is_nan() && !b.is_nan()) {
                    best = j;
                }
            }
            *y = pieces[best];
            *a = best as u32;
        }
    }
}

/// Maxout's backward: `spread[b, u·K + j] = δ[b, u]` for the selected piece `j`, else 0.
fn maxout_backward(k: usize, argmax: &[u32], delta: &[f32], spread: &mut [f32]) {
    spread.fill(0.0);
    for ((pieces, &a), &d) in spread.chunks_exact_mut(k).zip(argmax).zip(delta) {
        pieces[a as usize] = d;
    }
}

/// What a forward pass keeps for backward: the input and each layer's pre- and post-activation
/// values, plus the backward deltas (and batch normalisation's and maxout's own values).
/// Grows to the largest batch it has seen, never shrinks.
#[derive(Debug, Clone, Default)]
pub struct Tape {
    batch: usize,
    /// Whether the last forward pass was in training mode.
    train: bool,
    input: Vec<f32>,
    pre: Vec<Vec<f32>>,
    post: Vec<Vec<f32>>,
    delta: Vec<Vec<f32>>,
    /// BN layers: `h − μ` (`[B, n]`), μ and invstd (`[n]`).
    centred: Vec<Vec<f32>>,
    mean: Vec<Vec<f32>>,
    invstd: Vec<Vec<f32>>,
    /// Maxout layers: a scratch of the Linear's width (∂L/∂pre in backward), and the selected
    /// piece of each unit (`[B, n]`).
    spread: Vec<Vec<f32>>,
    argmax: Vec<Vec<u32>>,
    /// Zeros: the bias of a `Linear` that has none.
    zeros: Vec<f32>,
    /// BN's backward: `Σ (h − μ)·dy` and `Σ dy` of one layer.
    sums: Vec<f32>,
    /// A smooth basis's output, `[B, outputs]` (empty without one).
    smooth: Vec<f32>,
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
        for v in [
            &mut self.pre,
            &mut self.post,
            &mut self.delta,
            &mut self.centred,
            &mut self.mean,
            &mut self.invstd,
            &mut self.spread,
        ] {
            v.resize_with(n, Vec::new);
        }
        self.argmax.resize_with(n, Vec::new);
        let smooth = spec.basis.map_or(0, |b| batch * b.outputs());
        self.smooth.resize(smooth, 0.0);
        let widest = spec.widths.iter().max().copied().unwrap_or(0);
        self.zeros
            .resize(if spec.batchnorm { widest } else { 0 }, 0.0);
        for l in 0..n {
            let (units, linear) = (spec.widths[l + 1], spec.linear_out(l));
            let norm = if spec.is_normalised(l) { units } else { 0 };
            let maxout = spec.pieces(l) > 1;
            self.pre[l].resize(batch * linear, 0.0);
            self.post[l].resize(batch * units, 0.0);
            self.delta[l].resize(batch * units, 0.0);
            self.centred[l].resize(batch * norm, 0.0);
            self.mean[l].resize(norm, 0.0);
            self.invstd[l].resize(norm, 0.0);
            self.spread[l].resize(if maxout { batch * linear } else { 0 }, 0.0);
            self.argmax[l].resize(if maxout { batch * units } else { 0 }, 0);
        }
    }

    /// Rows in the last forward pass.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Output of the last forward pass, `[B, n_L]` (with a smooth basis, its values).
    pub fn output(&self) -> &[f32] {
        match self.smooth.is_empty() {
            false => &self.smooth,
            true => self.post.last().map(Vec::as_slice).unwrap_or(&[]),
        }
    }

    /// Input of layer `l`'s activation in the last forward pass: the `Linear`'s output
    /// (`[B, n_{l+1}·K]` with maxout's `K` pieces), or with batch normalisation its output.
    pub fn pre_activation(&self, l: usize) -> &[f32] {
        &self.pre[l]
    }

    /// Post-activation of layer `l` in the last forward pass, `[B, n_{l+1}]`.
    pub fn post_activation(&self, l: usize) -> &[f32] {
        &self.post[l]
    }
}
