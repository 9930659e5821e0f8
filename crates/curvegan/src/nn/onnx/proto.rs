//! The few ONNX protobuf messages a model of an MLP needs, declared for `prost`: each field's
//! number and type are those of `onnx/onnx.proto` in ONNX 1.23.2 (the `onnx` package on PyPI
//! ships that file), so that `prost` encodes them as ONNX's own code would. Fields curvegan
//! never writes are left out; a reader skips what it does not know, and the checker accepts
//! their absence.
//!
//! | message | fields declared (tag) |
//! |---|---|
//! | `ModelProto` | ir_version (1), producer_name (2), producer_version (3), domain (4), model_version (5), doc_string (6), graph (7), opset_import (8), metadata_props (14) |
//! | `OperatorSetIdProto` | domain (1), version (2) |
//! | `GraphProto` | node (1), name (2), initializer (5), doc_string (10), input (11), output (12) |
//! | `NodeProto` | input (1), output (2), name (3), op_type (4), attribute (5), doc_string (6), domain (7) |
//! | `AttributeProto` | name (1), f (2), i (3), ints (8), type (20) |
//! | `TensorProto` | dims (1), data_type (2), name (8), raw_data (9) |
//! | `ValueInfoProto` | name (1), type (2), doc_string (3) |
//! | `TypeProto` | tensor_type (1, of the `value` oneof) |
//! | `TypeProto.Tensor` | elem_type (1), shape (2) |
//! | `TensorShapeProto` | dim (1); `Dimension`: dim_value (1), dim_param (2), a oneof |
//! | `StringStringEntryProto` | key (1), value (2) |
//!
//! onnx.proto is proto2 with `optional` scalars: here `Option<…>`, so that a value set to its
//! default (an `i` of 0) is still written, as ONNX's checker expects of an attribute.

/// `TensorProto.DataType.FLOAT`: 32-bit IEEE floats.
pub const FLOAT: i32 = 1;
/// `TensorProto.DataType.INT64`.
pub const INT64: i32 = 7;
/// `AttributeProto.AttributeType.FLOAT`.
pub const ATTR_FLOAT: i32 = 1;
/// `AttributeProto.AttributeType.INT`.
pub const ATTR_INT: i32 = 2;
/// `AttributeProto.AttributeType.INTS`.
pub const ATTR_INTS: i32 = 7;

/// `ModelProto`: the file, a graph with the versions it is written for.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
    /// The IR version of the file format.
    #[prost(int64, optional, tag = "1")]
    pub ir_version: Option<i64>,
    /// The tool that wrote it.
    #[prost(string, optional, tag = "2")]
    pub producer_name: Option<String>,
    /// Its version.
    #[prost(string, optional, tag = "3")]
    pub producer_version: Option<String>,
    /// A reverse-DNS name space of the model.
    #[prost(string, optional, tag = "4")]
    pub domain: Option<String>,
    /// The model's own version.
    #[prost(int64, optional, tag = "5")]
    pub model_version: Option<i64>,
    /// Documentation, for a reader.
    #[prost(string, optional, tag = "6")]
    pub doc_string: Option<String>,
    /// The computation.
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    /// The operator sets the graph's nodes come from, with their versions.
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    /// Key–value strings a runtime shows (`session.get_modelmeta().custom_metadata_map`).
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

/// `OperatorSetIdProto`: an operator set and its version.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
    /// The domain; empty for the default `ai.onnx`.
    #[prost(string, optional, tag = "1")]
    pub domain: Option<String>,
    /// The opset version.
    #[prost(int64, optional, tag = "2")]
    pub version: Option<i64>,
}

/// `StringStringEntryProto`: one metadata entry.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StringStringEntryProto {
    /// The key.
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    /// The value.
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

/// `GraphProto`: nodes in topological order, their constant inputs, the graph's inputs and
/// outputs.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    /// The nodes, each after the nodes whose outputs it reads.
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    /// The graph's name.
    #[prost(string, optional, tag = "2")]
    pub name: Option<String>,
    /// The constants (weights) the nodes read, by name.
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    /// Documentation.
    #[prost(string, optional, tag = "10")]
    pub doc_string: Option<String>,
    /// The inputs a caller feeds.
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    /// The outputs a caller gets.
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

/// `NodeProto`: one operator applied to named values.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    /// The names of its inputs, in the operator's order.
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    /// The names of its outputs.
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    /// The node's name (for a reader).
    #[prost(string, optional, tag = "3")]
    pub name: Option<String>,
    /// The operator, e.g. `Gemm`.
    #[prost(string, optional, tag = "4")]
    pub op_type: Option<String>,
    /// Its attributes.
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    /// Documentation.
    #[prost(string, optional, tag = "6")]
    pub doc_string: Option<String>,
    /// The operator's domain; empty for `ai.onnx`.
    #[prost(string, optional, tag = "7")]
    pub domain: Option<String>,
}

/// `AttributeProto`: a named constant setting of a node (only the kinds curvegan writes).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    /// The attribute's name, e.g. `transB`.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// A float value ([`ATTR_FLOAT`]).
    #[prost(float, optional, tag = "2")]
    pub f: Option<f32>,
    /// An integer value ([`ATTR_INT`]).
    #[prost(int64, optional, tag = "3")]
    pub i: Option<i64>,
    /// A list of integers ([`ATTR_INTS`]).
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    /// Which of the values is set.
    #[prost(int32, optional, tag = "20")]
    pub r#type: Option<i32>,
}

/// `TensorProto`: a constant tensor, its values little-endian in `raw_data`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// The shape.
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    /// The element type ([`FLOAT`], [`INT64`]).
    #[prost(int32, optional, tag = "2")]
    pub data_type: Option<i32>,
    /// The name the nodes read it by.
    #[prost(string, optional, tag = "8")]
    pub name: Option<String>,
    /// The values, row-major, little-endian.
    #[prost(bytes = "vec", optional, tag = "9")]
    pub raw_data: Option<Vec<u8>>,
}

/// `ValueInfoProto`: a graph input's or output's name and type.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
    /// The name.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// The type: a tensor's element type and shape.
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
    /// Documentation: what it holds.
    #[prost(string, optional, tag = "3")]
    pub doc_string: Option<String>,
}

/// `TypeProto`: here always a tensor type.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    /// The `value` oneof of `TypeProto`.
    #[prost(oneof = "TypeValue", tags = "1")]
    pub value: Option<TypeValue>,
}

/// `TypeProto`'s `value` oneof (only the tensor type).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum TypeValue {
    /// `tensor_type`.
    #[prost(message, tag = "1")]
    TensorType(TensorType),
}

/// `TypeProto.Tensor`: an element type and a shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorType {
    /// The element type ([`FLOAT`]).
    #[prost(int32, optional, tag = "1")]
    pub elem_type: Option<i32>,
    /// The shape.
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// `TensorShapeProto`: the dimensions of a shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// One entry per axis.
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// `TensorShapeProto.Dimension`: a fixed size or a symbolic name.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
    /// The `value` oneof.
    #[prost(oneof = "DimensionValue", tags = "1, 2")]
    pub value: Option<DimensionValue>,
}

/// `TensorShapeProto.Dimension`'s `value` oneof.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum DimensionValue {
    /// `dim_value`: a fixed size.
    #[prost(int64, tag = "1")]
    DimValue(i64),
    /// `dim_param`: a symbolic size, e.g. the batch `N`.
    #[prost(string, tag = "2")]
    DimParam(String),
}
