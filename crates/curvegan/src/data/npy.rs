//! NumPy `.npy` files as real data, read with the [`npyz`] crate.
//!
//! A file holds one array of `f32` or `f64` (`<f4`, `<f8`, and the big-endian `>f4`, `>f8`),
//! in C order (`numpy.save`'s default) or Fortran order:
//!
//! | shape | meaning |
//! | --- | --- |
//! | `[rows, points]` | one channel per row |
//! | `[rows, channels, points]` | several channels per row (the UEA archive's layout, `aeon`'s `X`) |
//!
//! Values are rounded to f32 and must be finite. Another dtype (integers, strings, records),
//! another rank, an empty axis or a truncated file is an error naming the file and what it
//! holds.
//!
//! [`header`] gives the bytes before an array's values, as NumPy's format 1.0 writes them: the
//! magic `\x93NUMPY`, the version `1 0`, the header's length (u16, little-endian), then the
//! header dict, padded with spaces and ended by a newline so that the values start at a
//! multiple of 64 bytes. `curvegan sample --format npy` writes its `<f4` `[N, dim]` with it.
//!
//! ```
//! use std::path::Path;
//! use curvegan::data::npy::{header, parse};
//!
//! let mut bytes = header("<f4", &[2, 3]);
//! assert_eq!(bytes.len() % 64, 0);
//! assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
//! bytes.extend([1f32, 2., 3., 4., 5., 6.].iter().flat_map(|v| v.to_le_bytes()));
//! let a = parse(&bytes, Path::new("x.npy")).unwrap();
//! assert_eq!((a.rows, a.points, a.values[5]), (2, 3, 6.0));
//! ```

use std::path::Path;

use npyz::{DType, NpyFile, Order, TypeChar};

use crate::error::{Error, Result};

/// An array read from a `.npy` file: `[rows, channels · points]`, each row its channels one
/// after the other.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyData {
    /// Rows (the first axis).
    pub rows: usize,
    /// Channels per row (1 for a 2-D file).
    pub channels: usize,
    /// Points per channel (the last axis).
    pub points: usize,
    /// `[rows, channels · points]`, row-major.
    pub values: Vec<f32>,
}

/// Reads the `.npy` bytes of `path` (see the module docs).
pub fn parse(bytes: &[u8], path: &Path) -> Result<NpyData> {
    let bad = |m: String| Error::bad_file(path, m);
    let npy = NpyFile::new(bytes).map_err(|e| bad(format!("is not a NumPy .npy file: {e}")))?;
    let shape: Vec<u64> = npy.shape().to_vec();
    let (rows, channels, points) = match shape[..] {
        [r, p] => (r, 1, p),
        [r, c, p] => (r, c, p),
        _ => {
            return Err(bad(format!(
                "holds an array of shape {shape:?}; curvegan reads [rows, points] or [rows, channels, points]"
            )))
        }
    };
    if rows == 0 || channels == 0 || points == 0 {
        return Err(bad(format!("holds an empty array of shape {shape:?}")));
    }
    let count = rows
        .checked_mul(channels)
        .and_then(|n| n.checked_mul(points))
        .filter(|&n| n <= (bytes.len() as u64) / 4)
        .ok_or_else(|| {
            bad(format!(
                "its shape {shape:?} needs more values than the file holds"
            ))
        })?;
    let (rows, channels, points, count) = (
        rows as usize,
        channels as usize,
        points as usize,
        count as usize,
    );
    let dtype = npy.dtype();
    let width = match &dtype {
        DType::Plain(t) if t.type_char() == TypeChar::Float => t.size_field(),
        _ => 0,
    };
    let order = npy.order();
    let values: Vec<f32> = match width {
        4 => npy.into_vec::<f32>(),
        8 => npy
            .into_vec::<f64>()
            .map(|v| v.into_iter().map(|x| x as f32).collect()),
        _ => {
            return Err(bad(format!(
                "holds values of dtype {}; curvegan reads float32 or float64 (numpy: x.astype(np.float32))",
                dtype.descr()
            )))
        }
    }
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => bad(format!(
            "is truncated: its shape {shape:?} needs more values than the file holds"
        )),
        _ => bad(format!("cannot read its values: {e}")),
    })?;
    if values.len() != count {
        return Err(bad(format!(
            "holds {} values for its shape {shape:?}",
            values.len()
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        let at = index_of(i, order, rows, channels, points);
        return Err(bad(format!(
            "the value at {at} is {}, not a finite number within f32's range",
            values[i]
        )));
    }
    let values = match order {
        Order::C => values,
        // Fortran order: the first axis varies fastest.
        Order::Fortran => {
            let mut out = vec![0.0; count];
            for (i, v) in values.into_iter().enumerate() {
                let r = i % rows;
                let c = (i / rows) % channels;
                let p = i / (rows * channels);
                out[(r * channels + c) * points + p] = v;
            }
            out
        }
    };
    Ok(NpyData {
        rows,
        channels,
        points,
        values,
    })
}

/// The bytes of a version 1.0 `.npy` file before its values: an array of dtype `descr`
/// (`<f4`: little-endian f32) and `shape`, in C order (see the module docs). A 1-D shape is
/// written `(n,)`, as Python writes a 1-tuple.
pub fn header(descr: &str, shape: &[usize]) -> Vec<u8> {
    header_in(descr, false, shape)
}

/// [`header`], in Fortran order if `fortran`.
fn header_in(descr: &str, fortran: bool, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let order = if fortran { "True" } else { "False" };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    // Magic (6), version (2), length (2), the dict and its newline: a multiple of 64.
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// The index `[row, channel, point]` (or `[row, point]`) of the `i`-th stored value.
fn index_of(i: usize, order: Order, rows: usize, channels: usize, points: usize) -> String {
    let (r, c, p) = match order {
        Order::C => (i / (channels * points), (i / points) % channels, i % points),
        Order::Fortran => (i % rows, (i / rows) % channels, i / (rows * channels)),
    };
    match channels {
        1 => format!("[{r}, {p}]"),
        _ => format!("[{r}, {c}, {p}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 1.0 `.npy` file of `data` (already in the file's byte order).
    fn npy(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
        let mut out = header_in(descr, fortran, shape);
        out.extend_from_slice(data);
        out
    }

    fn le32(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn two_and_three_dimensional_arrays() {
        let p = Path::new("x.npy");
        let d = parse(
            &npy("<f4", false, &[2, 3], &le32(&[1., 2., 3., 4., 5., 6.])),
            p,
        )
        .unwrap();
        assert_eq!((d.rows, d.channels, d.points), (2, 1, 3));
        assert_eq!(d.values, [1., 2., 3., 4., 5., 6.]);
        let f64s: Vec<u8> = [1.5f64, 2.5, 3.5, 4.5]
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect();
        let d = parse(&npy(">f8", false, &[1, 2, 2], &f64s), p).unwrap();
        assert_eq!((d.rows, d.channels, d.points), (1, 2, 2));
        assert_eq!(d.values, [1.5, 2.5, 3.5, 4.5]);
        // Fortran order of [[1, 2, 3], [4, 5, 6]]: column by column.
        let d = parse(
            &npy("<f4", true, &[2, 3], &le32(&[1., 4., 2., 5., 3., 6.])),
            p,
        )
        .unwrap();
        assert_eq!(d.values, [1., 2., 3., 4., 5., 6.]);
    }

    #[test]
    fn bad_arrays_name_the_file_and_what_it_holds() {
        let p = Path::new("bad.npy");
        let ints: Vec<u8> = [1i64, 2].iter().flat_map(|x| x.to_le_bytes()).collect();
        for (bytes, want) in [
            (npy("<i8", false, &[1, 2], &ints), "dtype '<i8';"),
            (npy("<f4", false, &[4], &le32(&[1.; 4])), "shape [4]"),
            (
                npy("<f4", false, &[1, 1, 1, 1], &le32(&[1.])),
                "shape [1, 1, 1, 1]",
            ),
            (npy("<f4", false, &[0, 3], &[]), "empty array"),
            (
                npy("<f4", false, &[2, 3], &le32(&[1.; 3])),
                "more values than the file holds",
            ),
            (
                npy("<f4", false, &[1, 2], &le32(&[1., f32::NAN])),
                "the value at [0, 1] is NaN",
            ),
            (b"not numpy".to_vec(), "is not a NumPy .npy file"),
        ] {
            let e = parse(&bytes, p).unwrap_err().to_string();
            assert!(
                e.starts_with("bad.npy: ") && e.contains(want),
                "{want}: {e}"
            );
        }
    }
}
