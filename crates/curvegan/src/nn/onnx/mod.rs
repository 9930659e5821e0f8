//! An MLP as an ONNX graph, for runtimes other than curvegan's (onnxruntime in Python, C#,
//! Java, JavaScript, C++): opset [`OPSET`] = 17 of the default domain `ai.onnx`, IR version
//! [`IR_VERSION`] = 8, float32 throughout, a symbolic batch dimension `N`.
//!
//! Each layer kind becomes the operators that compute what [`crate::nn::mlp`]'s forward pass
//! computes in evaluation mode (`x`: `[N, n_in]`; PyTorch's `nn.Sequential` module index `m`
//! names the nodes and the weights, `m.weight`, `m.bias`, as in the state dict):
//!
//! | layer | ONNX |
//! |---|---|
//! | `Linear` (plain) | `Gemm(x, W, b, transB=1)`: `x · Wᵀ + b`, `W` `[n_out, n_in]` |
//! | then its activation | `Relu`, `LeakyRelu(alpha = slope)`, `Tanh`, `Sigmoid`, or none |
//! | `Linear` + `BatchNorm1d` | `Gemm(x, W, transB=1)` (no bias), `BatchNormalization(h, γ, β, running_mean, running_var, epsilon = 1e-5)` in inference mode, the activation |
//! | maxout, `K` pieces | `Gemm(x, W, b, transB=1)` (`[N, units·K]`), `Reshape` to `[N, units, K]`, `ReduceMax(axes=[2], keepdims=0)` |
//! | the smooth basis `M` | `Gemm(h, M, transB=1)` (no bias): `h · Mᵀ`, `M` `[outputs, coefficients]` |
//!
//! The caller wraps the MLP: its inputs (several are concatenated along the features,
//! [`Graph::concat`]), affine maps before or after it ([`Graph::affine`],
//! [`Graph::standardise`]), and the model's documentation ([`Graph::model`]). The bytes are
//! protobuf, encoded by `prost` from the messages of [`proto`].
//!
//! ```
//! use curvegan::nn::mlp::{Activation, Mlp, MlpSpec};
//! use curvegan::nn::onnx::Graph;
//! use rand::SeedableRng;
//!
//! let spec = MlpSpec::new(3, &[8], 2, Activation::Relu, Activation::Identity);
//! let mlp = Mlp::init(&spec, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let mut graph = Graph::new("g");
//! let x = graph.input("x", 3, "the input");
//! let y = graph.mlp(&mlp, &x).unwrap();
//! let bytes = graph.model(&y, ("y", 2, "the output"), "an MLP", &[]);
//! assert!(bytes.len() > 4 * (3 * 8 + 8 + 8 * 2 + 2));
//! ```

pub mod proto;

use prost::Message;

use crate::error::{Error, Result};
use crate::nn::mlp::{Activation, LayerKind, Mlp, BN_EPS};
use proto::{
    AttributeProto, Dimension, DimensionValue, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, StringStringEntryProto, TensorProto, TensorShapeProto, TensorType,
    TypeProto, TypeValue, ValueInfoProto,
};

/// The opset of the default domain (`ai.onnx`) the graphs are written for: every operator
/// used exists there in the form used (`ReduceMax`'s `axes` is an attribute until opset 18).
pub const OPSET: i64 = 17;

/// The IR version of the files: ONNX 1.12's, the first that carries opset 17.
pub const IR_VERSION: i64 = 8;

/// The name of the symbolic batch dimension of every input and output.
pub const BATCH: &str = "N";

/// An ONNX graph being built: nodes in order, their constants, the inputs declared.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    name: String,
    nodes: Vec<NodeProto>,
    constants: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
}

/// An attribute of a node: an integer, a float or a list of integers.
enum Attr {
    Int(&'static str, i64),
    Float(&'static str, f32),
    Ints(&'static str, Vec<i64>),
}

impl Attr {
    fn proto(self) -> AttributeProto {
        let mut a = AttributeProto::default();
        match self {
            Attr::Int(name, i) => {
                (a.name, a.i, a.r#type) = (Some(name.into()), Some(i), Some(proto::ATTR_INT))
            }
            Attr::Float(name, f) => {
                (a.name, a.f, a.r#type) = (Some(name.into()), Some(f), Some(proto::ATTR_FLOAT))
            }
            Attr::Ints(name, ints) => {
                (a.name, a.ints, a.r#type) = (Some(name.into()), ints, Some(proto::ATTR_INTS))
            }
        }
        a
    }
}

/// A float tensor `[N, width]` with the symbolic batch dimension, named `name`.
fn batch_value(name: &str, width: usize, doc: &str) -> ValueInfoProto {
    let dim = |v| Dimension { value: Some(v) };
    let shape = TensorShapeProto {
        dim: vec![
            dim(DimensionValue::DimParam(BATCH.into())),
            dim(DimensionValue::DimValue(width as i64)),
        ],
    };
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(TypeValue::TensorType(TensorType {
                elem_type: Some(proto::FLOAT),
                shape: Some(shape),
            })),
        }),
        doc_string: Some(doc.into()),
    }
}

impl Graph {
    /// An empty graph called `name`.
    pub fn new(name: &str) -> Graph {
        Graph {
            name: name.into(),
            ..Graph::default()
        }
    }

    /// Declares an input `[N, width]` (float32) and returns its name.
    pub fn input(&mut self, name: &str, width: usize, doc: &str) -> String {
        self.inputs.push(batch_value(name, width, doc));
        name.into()
    }

    /// A float32 constant of shape `dims` holding `values` (row-major); returns its name.
    fn constant(&mut self, name: String, dims: &[usize], values: &[f32]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.push_constant(name, dims, proto::FLOAT, raw)
    }

    /// An int64 constant (a shape), 1-D; returns its name.
    fn constant_i64(&mut self, name: String, values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.push_constant(name, &[values.len()], proto::INT64, raw)
    }

    fn push_constant(&mut self, name: String, dims: &[usize], ty: i32, raw: Vec<u8>) -> String {
        self.constants.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(ty),
            name: Some(name.clone()),
            raw_data: Some(raw),
        });
        name
    }

    /// Appends the node `op` on `inputs`, named `name`, and returns its output's name
    /// (`name` too: a node's name and its one output's are the same).
    fn node(&mut self, name: String, op: &str, inputs: &[&str], attrs: Vec<Attr>) -> String {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![name.clone()],
            name: Some(name.clone()),
            op_type: Some(op.into()),
            attribute: attrs.into_iter().map(Attr::proto).collect(),
            ..NodeProto::default()
        });
        name
    }

    /// `[a | b | …]`: the values side by side along the features (`Concat`, axis 1); the one
    /// value itself when there is one.
    pub fn concat(&mut self, name: &str, parts: &[&str]) -> String {
        match parts {
            [one] => one.to_string(),
            _ => self.node(name.into(), "Concat", parts, vec![Attr::Int("axis", 1)]),
        }
    }

    /// `x · mul + add` feature by feature (`Mul`, then `Add`, each rounded to float32 as
    /// curvegan rounds them); `mul`, `add`: `[width]`. Named `name.scale`, `name.shift`.
    pub fn affine(&mut self, name: &str, x: &str, mul: &[f32], add: &[f32]) -> String {
        let m = self.constant(format!("{name}.scale"), &[mul.len()], mul);
        let a = self.constant(format!("{name}.shift"), &[add.len()], add);
        let y = self.node(format!("{name}.Mul"), "Mul", &[x, &m], vec![]);
        self.node(format!("{name}.Add"), "Add", &[&y, &a], vec![])
    }

    /// `(x − shift) / scale` feature by feature (`Sub`, then `Div`); `shift`, `scale`:
    /// `[width]`. Named `name.shift`, `name.scale`.
    pub fn standardise(&mut self, name: &str, x: &str, shift: &[f32], scale: &[f32]) -> String {
        let s = self.constant(format!("{name}.shift"), &[shift.len()], shift);
        let d = self.constant(format!("{name}.scale"), &[scale.len()], scale);
        let y = self.node(format!("{name}.Sub"), "Sub", &[x, &s], vec![]);
        self.node(format!("{name}.Div"), "Div", &[&y, &d], vec![])
    }

    /// The MLP `mlp` in evaluation mode on `x` (`[N, n₀]`), layer by layer as the module docs
    /// show; returns the name of its output (`[N, output_dim]`).
    pub fn mlp(&mut self, mlp: &Mlp, x: &str) -> Result<String> {
        let spec = mlp.spec();
        let params = mlp.params();
        let last = mlp.layers().len() - 1;
        let mut norms = mlp.batchnorm_buffers().iter();
        let mut h = x.to_string();
        for (l, o) in mlp.layers().iter().enumerate() {
            let m = spec.module_index(l);
            let w = &params[o.weight..o.bias];
            let w = self.constant(format!("{m}.weight"), &[o.n_out, o.n_in], w);
            let mut inputs = vec![h.as_str(), w.as_str()];
            let b;
            if o.bias_len() > 0 {
                let bias = &params[o.bias..o.bias + o.bias_len()];
                b = self.constant(format!("{m}.bias"), &[o.n_out], bias);
                inputs.push(&b);
            }
            let gemm = vec![Attr::Int("transB", 1)];
            h = self.node(format!("{m}.Gemm"), "Gemm", &inputs, gemm);
            let act = match l == last {
                true => spec.output_activation,
                false => spec.activation,
            };
            match o.kind {
                LayerKind::Plain => h = self.activation(m + 1, &h, act),
                LayerKind::BatchNorm { gamma } => {
                    let bn = norms.next().ok_or_else(|| {
                        Error::Shape(format!(
                            "layer {l} has batch normalisation but no running statistics"
                        ))
                    })?;
                    let n = o.units;
                    let names = ["weight", "bias", "running_mean", "running_var"];
                    let values = [
                        &params[gamma..gamma + n],
                        &params[gamma + n..gamma + 2 * n],
                        &bn.running_mean[..],
                        &bn.running_var[..],
                    ];
                    let [g, b, mean, var] = names.map(|name| format!("{}.{name}", m + 1));
                    for (name, v) in [&g, &b, &mean, &var].into_iter().zip(values) {
                        self.constant(name.clone(), &[n], v);
                    }
                    let eps = vec![Attr::Float("epsilon", BN_EPS as f32)];
                    let inputs = [h.as_str(), &g, &b, &mean, &var];
                    h = self.node(
                        format!("{}.BatchNormalization", m + 1),
                        "BatchNormalization",
                        &inputs,
                        eps,
                    );
                    h = self.activation(m + 2, &h, act);
                }
                LayerKind::Maxout { pieces } => {
                    let units = o.units as i64;
                    let shape =
                        self.constant_i64(format!("{}.shape", m + 1), &[0, units, pieces as i64]);
                    h = self.node(
                        format!("{}.Reshape", m + 1),
                        "Reshape",
                        &[&h, &shape],
                        vec![],
                    );
                    let max = vec![Attr::Ints("axes", vec![2]), Attr::Int("keepdims", 0)];
                    h = self.node(format!("{}.ReduceMax", m + 1), "ReduceMax", &[&h], max);
                }
            }
        }
        if let Some((matrix, m)) = mlp.basis() {
            let b = spec
                .basis
                .map(|b| (b.outputs(), b.inputs()))
                .unwrap_or_default();
            let w = self.constant(format!("{m}.weight"), &[b.0, b.1], matrix);
            let gemm = vec![Attr::Int("transB", 1)];
            h = self.node(format!("{m}.Gemm"), "Gemm", &[&h, &w], gemm);
        }
        Ok(h)
    }

    /// The activation `act` as module `m` on `x` (nothing for the identity).
    fn activation(&mut self, m: usize, x: &str, act: Activation) -> String {
        let (op, attrs) = match act {
            Activation::Identity => return x.to_string(),
            Activation::Relu => ("Relu", vec![]),
            Activation::LeakyRelu(slope) => ("LeakyRelu", vec![Attr::Float("alpha", slope)]),
            Activation::Tanh => ("Tanh", vec![]),
            Activation::Sigmoid => ("Sigmoid", vec![]),
        };
        self.node(format!("{m}.{op}"), op, &[x], attrs)
    }

    /// The model's bytes: the graph with `value` as its one output, named and documented as
    /// `output` (`name`, width, doc), the model's `doc` and `metadata` (key–value strings).
    pub fn model(
        mut self,
        value: &str,
        output: (&str, usize, &str),
        doc: &str,
        metadata: &[(String, String)],
    ) -> Vec<u8> {
        let (name, width, output_doc) = output;
        // The node that computes `value` writes the output under its name.
        match self.nodes.iter_mut().rev().find(|n| n.output == [value]) {
            Some(node) => node.output = vec![name.into()],
            None => {
                self.node(name.into(), "Identity", &[value], vec![]);
            }
        }
        let graph = GraphProto {
            node: self.nodes,
            name: Some(self.name),
            initializer: self.constants,
            doc_string: None,
            input: self.inputs,
            output: vec![batch_value(name, width, output_doc)],
        };
        let model = ModelProto {
            ir_version: Some(IR_VERSION),
            producer_name: Some("curvegan".into()),
            producer_version: Some(env!("CARGO_PKG_VERSION").into()),
            domain: None,
            model_version: Some(1),
            doc_string: Some(doc.into()),
            graph: Some(graph),
            opset_import: vec![OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(OPSET),
            }],
            metadata_props: (metadata.iter())
                .map(|(k, v)| StringStringEntryProto {
                    key: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect(),
        };
        model.encode_to_vec()
    }
}
