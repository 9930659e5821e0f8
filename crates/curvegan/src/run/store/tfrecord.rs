//! TensorBoard's event files as bytes: the few protobuf messages curvegan writes into them, and
//! the TFRecord framing around each, written and read back.
//!
//! An event file is a sequence of records, one serialised [`Event`] each:
//!
//! ```text
//! length: u64 LE | masked CRC-32C of length's 8 bytes: u32 LE | data: length bytes | masked CRC-32C of data: u32 LE
//! ```
//!
//! where CRC-32C is the Castagnoli CRC (iSCSI, RFC 3720) and the mask is
//! `masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2³²)`: TensorFlow's
//! `core/lib/io/record_writer.cc` and `core/lib/hash/crc32c.h`, as TensorBoard 2.21.0 writes
//! them in Python (`tensorboard/summary/writer/record_writer.py`). The CRC is the `crc` crate's (MIT or
//! Apache-2.0), the protobuf encoding `prost`'s (Apache-2.0) from the messages declared below
//! with its derive: only the fields curvegan writes, under the field numbers of TensorBoard
//! 2.21.0's `tensorboard/compat/proto/` files `event.proto` (`Event`), `summary.proto`
//! (`Summary`, `Summary.Value`, `Summary.Image`, `SummaryMetadata`,
//! `SummaryMetadata.PluginData`), `tensor.proto` (`TensorProto`) and `tensor_shape.proto`
//! (`TensorShapeProto`). Decoding skips the fields it does not know, so another writer's events
//! read too.

/// The CRC-32C (Castagnoli) of the framing.
const CASTAGNOLI: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// The constant TFRecord's masking adds.
const MASK_DELTA: u32 = 0xa282_ead8;

/// The file version an event file starts with (`Event.file_version`).
pub const FILE_VERSION: &str = "brain.Event:2";

/// `tensorflow.DataType.DT_STRING` (`types.proto`).
pub const DT_STRING: i32 = 7;

/// One event (`event.proto`): when, at which step, and what.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    /// Seconds since the Unix epoch when the event was written.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The training step it belongs to.
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// Its content.
    #[prost(oneof = "What", tags = "3, 5")]
    pub what: Option<What>,
}

/// What an [`Event`] holds (`Event.what`; curvegan writes two of its kinds).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum What {
    /// The file's version, its first event: [`FILE_VERSION`].
    #[prost(string, tag = "3")]
    FileVersion(String),
    /// Values of one step.
    #[prost(message, tag = "5")]
    Summary(Summary),
}

/// Values of one step (`summary.proto`'s `Summary`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// The values, each under its tag.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<Value>,
}

/// One value under its tag (`Summary.Value`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    /// The name TensorBoard shows it under (`losses/d_loss`).
    #[prost(string, tag = "1")]
    pub tag: String,
    /// Which plugin shows it (a text's).
    #[prost(message, optional, tag = "9")]
    pub metadata: Option<SummaryMetadata>,
    /// The value.
    #[prost(oneof = "Kind", tags = "2, 4, 8")]
    pub kind: Option<Kind>,
}

/// The kinds of [`Value`] curvegan writes (`Summary.Value.value`).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Kind {
    /// A scalar.
    #[prost(float, tag = "2")]
    SimpleValue(f32),
    /// An encoded image.
    #[prost(message, tag = "4")]
    Image(Image),
    /// A tensor: a text is a string tensor of one element.
    #[prost(message, tag = "8")]
    Tensor(TensorProto),
}

/// An encoded image (`Summary.Image`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Image {
    /// Height in pixels.
    #[prost(int32, tag = "1")]
    pub height: i32,
    /// Width in pixels.
    #[prost(int32, tag = "2")]
    pub width: i32,
    /// Channels: 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA.
    #[prost(int32, tag = "3")]
    pub colorspace: i32,
    /// The PNG file's bytes.
    #[prost(bytes = "vec", tag = "4")]
    pub encoded_image_string: Vec<u8>,
}

/// Which plugin shows a value (`SummaryMetadata`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryMetadata {
    /// The plugin and its data.
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
}

/// A plugin's name and data (`SummaryMetadata.PluginData`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginData {
    /// `text` for a text.
    #[prost(string, tag = "1")]
    pub plugin_name: String,
    /// The plugin's own serialised data (empty: its defaults).
    #[prost(bytes = "vec", tag = "2")]
    pub content: Vec<u8>,
}

/// A tensor (`tensor.proto`'s `TensorProto`), here only of strings.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// Its `DataType`: [`DT_STRING`].
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    /// Its shape.
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShapeProto>,
    /// Its elements, for strings.
    #[prost(bytes = "vec", repeated, tag = "8")]
    pub string_val: Vec<Vec<u8>>,
}

/// A tensor's shape (`tensor_shape.proto`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// Its dimensions.
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<Dim>,
}

/// One dimension of a [`TensorShapeProto`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dim {
    /// Its size.
    #[prost(int64, tag = "1")]
    pub size: i64,
}

/// TFRecord's masked CRC-32C of `bytes`.
pub fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = CASTAGNOLI.checksum(bytes);
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Appends the record of `data` to `out`: its length, the length's checksum, the data, its
/// checksum.
pub fn frame(data: &[u8], out: &mut Vec<u8>) {
    let length = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&length);
    out.extend_from_slice(&masked_crc(&length).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// Appends the record of `event` to `out`.
pub fn push(event: &Event, out: &mut Vec<u8>) {
    frame(&prost::Message::encode_to_vec(event), out);
}

/// The events of the whole, intact records at the start of `bytes`, each with the offset its
/// record ends at. Reading stops at the first record that is cut short, fails a checksum or
/// does not decode as an [`Event`]: what a writer killed mid-write leaves, or another file.
pub fn read(bytes: &[u8]) -> Vec<(usize, Event)> {
    let mut events = Vec::new();
    let mut at = 0;
    while let Some((data, end)) = record_at(bytes, at) {
        let Ok(event) = <Event as prost::Message>::decode(data) else {
            break;
        };
        events.push((end, event));
        at = end;
    }
    events
}

/// The data of the record at offset `at` of `bytes` and the offset after it, if it is whole
/// and both its checksums hold.
fn record_at(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let word = |from: usize| -> Option<u32> {
        Some(u32::from_le_bytes(
            bytes.get(from..from + 4)?.try_into().ok()?,
        ))
    };
    let length = bytes.get(at..at.checked_add(8)?)?;
    if word(at + 8)? != masked_crc(length) {
        return None;
    }
    let length = usize::try_from(u64::from_le_bytes(length.try_into().ok()?)).ok()?;
    let start = at + 12;
    let end = start.checked_add(length)?;
    let data = bytes.get(start..end)?;
    (word(end)? == masked_crc(data)).then_some((data, end + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// CRC-32C's check values: RFC 3720 (iSCSI) appendix B.4, and the catalogue's check of
    /// "123456789"; masked by hand with TFRecord's rule.
    #[test]
    #[allow(clippy::manual_rotate)] // the mask as TensorFlow's crc32c.h writes it
    fn crc32c_and_its_mask_match_the_published_vectors() {
        let ascending: Vec<u8> = (0..32).collect();
        let descending: Vec<u8> = (0..32).rev().collect();
        let cases: [(&[u8], u32); 5] = [
            (&[0; 32], 0x8a91_36aa),
            (&[0xff; 32], 0x62a8_ab43),
            (&ascending, 0x46dd_794e),
            (&descending, 0x113f_db5c),
            (b"123456789", 0xe306_9283),
        ];
        for (bytes, crc) in cases {
            assert_eq!(CASTAGNOLI.checksum(bytes), crc, "{bytes:?}");
            let masked = ((crc >> 15) | (crc << 17)).wrapping_add(0xa282_ead8);
            assert_eq!(masked_crc(bytes), masked, "{bytes:?}");
        }
        // TensorBoard 2.21.0's masked_crc32c (tensorflow_stub.pywrap_tensorflow) of the same.
        assert_eq!(masked_crc(b"123456789"), 0xc78a_b0e5);
        assert_eq!(masked_crc(b""), 0xa282_ead8);
        assert_eq!(masked_crc(b"a"), 0x28e4_6e78);
    }

    /// The bytes TensorBoard 2.21.0's own `RecordWriter` writes for the same data:
    /// `RecordWriter(io.BytesIO()).write(b"curvegan")` and `.write(b"")`.
    #[test]
    fn records_are_framed_as_tensorboards_record_writer_frames_them() {
        let mut out = Vec::new();
        frame(b"curvegan", &mut out);
        assert_eq!(out, hex("0800000000000000ff86240f637572766567616e5a313f44"));
        let mut out = Vec::new();
        frame(b"", &mut out);
        assert_eq!(out, hex("000000000000000029039807d8ea82a2"));
    }

    /// The bytes of TensorBoard 2.21.0's `event_pb2.Event(...).SerializeToString()` for one event
    /// of each kind curvegan writes (the field numbers of its .proto files).
    #[test]
    fn events_encode_as_tensorboards_protobuf_classes_do() {
        let value = |tag: &str, kind: Kind| Value {
            tag: tag.into(),
            metadata: None,
            kind: Some(kind),
        };
        let event = |wall_time: f64, step: i64, values: Vec<Value>| Event {
            wall_time,
            step,
            what: Some(What::Summary(Summary { value: values })),
        };
        let header = Event {
            wall_time: 2.0,
            step: 0,
            what: Some(What::FileVersion(FILE_VERSION.into())),
        };
        let scalar = event(
            1.5,
            7,
            vec![value("losses/d_loss", Kind::SimpleValue(0.25))],
        );
        let image = Image {
            height: 2,
            width: 3,
            colorspace: 3,
            encoded_image_string: b"PNG".to_vec(),
        };
        let image = event(4.0, 100, vec![value("figure", Kind::Image(image))]);
        let tensor = TensorProto {
            dtype: DT_STRING,
            tensor_shape: Some(TensorShapeProto {
                dim: vec![Dim { size: 1 }],
            }),
            string_val: vec![b"hi".to_vec()],
        };
        let mut text = value("config", Kind::Tensor(tensor));
        text.metadata = Some(SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: "text".into(),
                content: Vec::new(),
            }),
        });
        let text = event(3.0, 0, vec![text]);
        let cases = [
            (header, "0900000000000000401a0d627261696e2e4576656e743a32"),
            (scalar, "09000000000000f83f10072a160a140a0d6c6f737365732f645f6c6f7373150000803e"),
            (image, "09000000000000104010642a170a150a06666967757265220b0802100318032203504e47"),
            (text, "0900000000000008402a220a200a06636f6e666967420c0807120412020801420268694a080a060a0474657874"),
        ];
        for (event, bytes) in cases {
            assert_eq!(
                prost::Message::encode_to_vec(&event),
                hex(bytes),
                "{event:?}"
            );
            let mut file = Vec::new();
            push(&event, &mut file);
            assert_eq!(read(&file), vec![(file.len(), event)]);
        }
    }

    /// A file cut anywhere, or with a byte changed, reads as its whole records before the
    /// damage: never an error, never a record that was not written.
    #[test]
    fn a_cut_or_damaged_file_reads_up_to_its_last_whole_record() {
        let mut file = Vec::new();
        let mut ends = Vec::new();
        for step in 0..3 {
            let what = Some(What::FileVersion(format!("v{step}")));
            push(
                &Event {
                    wall_time: 1.0,
                    step,
                    what,
                },
                &mut file,
            );
            ends.push(file.len());
        }
        for cut in 0..=file.len() {
            let whole = ends.iter().filter(|&&e| e <= cut).count();
            let read = read(&file[..cut]);
            assert_eq!(read.len(), whole, "cut at {cut}");
            assert!(read.iter().zip(&ends).all(|((end, _), e)| end == e));
        }
        for at in 0..file.len() {
            let mut bad = file.clone();
            bad[at] ^= 0x10;
            let before = ends.iter().filter(|&&e| e <= at).count();
            assert_eq!(read(&bad).len(), before, "byte {at} changed");
        }
    }
}
