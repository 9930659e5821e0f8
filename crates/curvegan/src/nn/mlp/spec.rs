//! An MLP's shape ([`MlpSpec`]: widths, activations, the layer kind of its hidden layers, a
//! smooth output basis) and where each layer's parameters sit in the flat buffer
//! ([`LayerOffsets`], [`LayerKind`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::nn::basis::BasisSpec;
use crate::nn::mlp::activation::Activation;

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
    pub(super) fn is_hidden(&self, l: usize) -> bool {
        l + 1 < self.num_layers()
    }

    /// True if layer `l` has a `BatchNorm1d`.
    pub(super) fn is_normalised(&self, l: usize) -> bool {
        self.batchnorm && self.is_hidden(l)
    }

    /// Maxout pieces of layer `l`'s units (1: a plain layer).
    pub(super) fn pieces(&self, l: usize) -> usize {
        if self.is_hidden(l) {
            self.maxout
        } else {
            1
        }
    }

    /// Output width of layer `l`'s `Linear`: its units times their pieces.
    pub(super) fn linear_out(&self, l: usize) -> usize {
        self.widths[l + 1] * self.pieces(l)
    }

    /// Activation after layer `l`.
    pub(super) fn act(&self, l: usize) -> Activation {
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
    pub(super) fn offsets(&self) -> Vec<LayerOffsets> {
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
                    kind: match (self.is_normalised(l), self.pieces(l)) {
                        (true, _) => LayerKind::BatchNorm {
                            gamma: at + n_in * n_out,
                        },
                        (false, 1) => LayerKind::Plain,
                        (false, pieces) => LayerKind::Maxout { pieces },
                    },
                };
                at += n_in * n_out + if o.norm().is_some() { 2 * units } else { n_out };
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
    /// What the layer is made of.
    pub kind: LayerKind,
}

/// The kind of one layer: what follows its `Linear` and how forward and backward treat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// `Linear`, then the activation.
    Plain,
    /// `Linear` without bias, `BatchNorm1d`, then the activation
    /// ([`crate::nn::mlp::BatchNormBuffers`]); `gamma` is the offset of γ (`[units]`), followed
    /// by β (`[units]`).
    BatchNorm {
        /// Offset of γ in the flat parameter buffer.
        gamma: usize,
    },
    /// `Linear` to `units · pieces`, then the largest piece of each unit (no activation).
    Maxout {
        /// Pieces per unit, at least 2.
        pieces: usize,
    },
}

impl LayerOffsets {
    /// With batch normalisation: the offset of γ (`[units]`), followed by β (`[units]`); the
    /// layer then has no bias.
    pub fn norm(&self) -> Option<usize> {
        match self.kind {
            LayerKind::BatchNorm { gamma } => Some(gamma),
            _ => None,
        }
    }

    /// Length of the bias: `n_out`, or 0 for a `Linear` followed by batch normalisation.
    pub fn bias_len(&self) -> usize {
        match self.kind {
            LayerKind::BatchNorm { .. } => 0,
            _ => self.n_out,
        }
    }
}
