//! The [`Tape`]: every buffer an MLP's forward pass keeps for its backward pass.

use crate::nn::mlp::spec::MlpSpec;

/// What a forward pass keeps for backward: the input and each layer's pre- and post-activation
/// values, plus the backward deltas (and batch normalisation's and maxout's own values).
/// Grows to the largest batch it has seen, never shrinks.
#[derive(Debug, Clone, Default)]
pub struct Tape {
    pub(super) batch: usize,
    /// Whether the last forward pass was in training mode.
    pub(super) train: bool,
    pub(super) input: Vec<f32>,
    pub(super) pre: Vec<Vec<f32>>,
    pub(super) post: Vec<Vec<f32>>,
    pub(super) delta: Vec<Vec<f32>>,
    /// BN layers: `h − μ` (`[B, n]`), μ and invstd (`[n]`).
    pub(super) centred: Vec<Vec<f32>>,
    pub(super) mean: Vec<Vec<f32>>,
    pub(super) invstd: Vec<Vec<f32>>,
    /// Maxout layers: a scratch of the Linear's width (∂L/∂pre in backward), and the selected
    /// piece of each unit (`[B, n]`).
    pub(super) spread: Vec<Vec<f32>>,
    pub(super) argmax: Vec<Vec<u32>>,
    /// Zeros: the bias of a `Linear` that has none.
    pub(super) zeros: Vec<f32>,
    /// BN's backward: `Σ (h − μ)·dy` and `Σ dy` of one layer.
    pub(super) sums: Vec<f32>,
    /// A smooth basis's output, `[B, outputs]` (empty without one).
    pub(super) smooth: Vec<f32>,
}

impl Tape {
    /// A tape sized for `batch` rows of an MLP of shape `spec`.
    pub fn new(spec: &MlpSpec, batch: usize) -> Self {
        let mut t = Tape::default();
        t.prepare(spec, batch);
        t
    }

    pub(super) fn prepare(&mut self, spec: &MlpSpec, batch: usize) {
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
