//! The activations of an MLP's layers ([`Activation`]) and the logistic function, with
//! PyTorch's CPU arithmetic; forward (`apply_into`) and backward (`backward`) side by side.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `σ(x) = 1 / (1 + e^(−x))`, as PyTorch's CPU kernel computes it: the [`Activation::Sigmoid`]
/// activation, and the logistic function of [`crate::nn::criterion`].
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
    pub(super) fn apply_into(self, pre: &[f32], post: &mut [f32]) {
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
    pub(super) fn backward(self, pre: &[f32], post: &[f32], grad: &mut [f32]) {
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
    /// [`crate::nn::mlp::Mlp::backward`] applies it: ReLU gives 1 for `pre > 0`, else 0 (ReLU′(0) = 0);
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
