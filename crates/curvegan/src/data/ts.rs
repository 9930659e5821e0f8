//! The `.ts` text format of the UCR/UEA time-series archive, as `sktime` and `aeon` write and
//! ship it (`aeon/datasets/data/*/*.ts`).
//!
//! A file is a header of `@key value` lines, then `@data` and one series per line:
//!
//! ```text
//! # comments start with '#'
//! @problemName GunPoint
//! @timeStamps false
//! @missing false
//! @univariate true            # or false with @dimensions N
//! @equalLength true
//! @seriesLength 150
//! @classLabel true 1 2        # or @targetLabel true (a number per series), or neither
//! @data
//! -0.64,-0.64,…,-0.63:1       # channels separated by ':', values by ',', then the label
//! ```
//!
//! Keys are read case-insensitively (the archive writes both `@problemName` and
//! `@problemname`). Each series line has the same number of channels (`@dimensions`, else the
//! first line's); a channel's values are finite numbers; the label, when the header declares
//! one, is the field after the last `:` and must be one of `@classLabel`'s names (a class) or a
//! number (`@targetLabel`, a regression target). Channels of one series may differ in length
//! only if a resampling length is given (see [`TsFile::rows`]).
//!
//! Not read (errors naming the line): time stamps (`@timeStamps true`, values written
//! `(t,v)`), missing values (`?` or `NaN`), and series with no values.

use std::path::Path;

use crate::error::{Error, Result};

/// A series' label, as the header declares it.
#[derive(Debug, Clone, PartialEq)]
pub enum TsLabels {
    /// No label (`@classLabel false`, no `@targetLabel`).
    None,
    /// Class names in the header's order, and each series' class index.
    Classes {
        /// `@classLabel true NAME…`.
        names: Vec<String>,
        /// `[series]`: an index into `names`.
        index: Vec<usize>,
    },
    /// A number per series (`@targetLabel true`).
    Targets(Vec<f64>),
}

/// A parsed `.ts` file: every series' channels, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct TsFile {
    /// Channels per series.
    pub channels: usize,
    /// `[series][channel]`: the values.
    pub series: Vec<Vec<Vec<f64>>>,
    /// The labels.
    pub labels: TsLabels,
}

impl TsFile {
    /// Parses `.ts` text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<TsFile> {
        let bad =
            |line: usize, message: String| Error::bad_file(path, format!("line {line}: {message}"));
        let mut dimensions: Option<usize> = None;
        let mut class_names: Option<Vec<String>> = None;
        let mut targets = false;
        let mut in_data = false;
        let mut channels: Option<usize> = None;
        let mut series = Vec::new();
        let mut classes = Vec::new();
        let mut values = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !in_data {
                let Some(rest) = line.strip_prefix('@') else {
                    return Err(bad(
                        line_no,
                        format!(
                            "expected a header line '@key value' before @data, got '{}'",
                            cut(line)
                        ),
                    ));
                };
                let mut words = rest.split_whitespace();
                let key = words.next().unwrap_or("").to_ascii_lowercase();
                let words: Vec<&str> = words.collect();
                let flag = |words: &[&str]| -> Result<bool> {
                    match words.first().map(|w| w.to_ascii_lowercase()).as_deref() {
                        Some("true") => Ok(true),
                        Some("false") => Ok(false),
                        _ => Err(bad(
                            line_no,
                            format!(
                                "@{key} takes true or false, got '{}'",
                                cut(&words.join(" "))
                            ),
                        )),
                    }
                };
                match key.as_str() {
                    "data" => in_data = true,
                    "timestamps" if flag(&words)? => {
                        return Err(bad(line_no, "time stamps (@timeStamps true) are not supported; write the values without them".into()));
                    }
                    "dimensions" => {
                        let n = words
                            .first()
                            .and_then(|w| w.parse::<usize>().ok())
                            .filter(|&n| n > 0);
                        dimensions = Some(n.ok_or_else(|| {
                            bad(
                                line_no,
                                format!(
                                    "@dimensions takes a positive count, got '{}'",
                                    cut(&words.join(" "))
                                ),
                            )
                        })?);
                    }
                    "classlabel" if flag(&words)? => {
                        let names: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
                        if names.is_empty() {
                            return Err(bad(
                                line_no,
                                "@classLabel true lists no class names".into(),
                            ));
                        }
                        class_names = Some(names);
                    }
                    "targetlabel" => targets = flag(&words)?,
                    // Descriptive keys: checked against the data where it matters, else ignored.
                    _ => {}
                }
                continue;
            }
            let labelled = class_names.is_some() || targets;
            let (body, label) =
                match labelled {
                    true => match line.rsplit_once(':') {
                        Some((body, label)) => (body, Some(label.trim())),
                        None => return Err(bad(
                            line_no,
                            "the series has no label after a ':' although the header declares one"
                                .into(),
                        )),
                    },
                    false => (line, None),
                };
            let mut row = Vec::new();
            for (c, field) in body.split(':').enumerate() {
                let mut channel = Vec::new();
                for value in field.split(',') {
                    let value = value.trim();
                    if value.is_empty() && field.trim().is_empty() {
                        break;
                    }
                    if value == "?" || value.eq_ignore_ascii_case("nan") {
                        return Err(bad(
                            line_no,
                            format!(
                                "channel {} has a missing value ('{value}'); fill or drop it first",
                                c + 1
                            ),
                        ));
                    }
                    if value.starts_with('(') {
                        return Err(bad(
                            line_no,
                            "time-stamped values '(t,v)' are not supported".into(),
                        ));
                    }
                    let v: f64 = value.parse().map_err(|_| {
                        bad(
                            line_no,
                            format!("channel {}: '{}' is not a number", c + 1, cut(value)),
                        )
                    })?;
                    if !v.is_finite() || !(v as f32).is_finite() {
                        return Err(bad(
                            line_no,
                            format!(
                                "channel {}: {value} is not a finite number within f32's range",
                                c + 1
                            ),
                        ));
                    }
                    channel.push(v);
                }
                if channel.is_empty() {
                    return Err(bad(line_no, format!("channel {} has no values", c + 1)));
                }
                row.push(channel);
            }
            let want = channels.or(dimensions).unwrap_or(row.len());
            if row.len() != want {
                return Err(bad(
                    line_no,
                    format!(
                        "{} channels, but {} declares {want}",
                        row.len(),
                        if channels.is_some() {
                            "the first series"
                        } else {
                            "@dimensions"
                        }
                    ),
                ));
            }
            channels = Some(want);
            match (&class_names, label) {
                (Some(names), Some(label)) => {
                    let k = names.iter().position(|n| n == label).ok_or_else(|| {
                        bad(
                            line_no,
                            format!(
                                "class '{}' is not one of @classLabel's {}",
                                cut(label),
                                names.join(" ")
                            ),
                        )
                    })?;
                    classes.push(k);
                }
                (None, Some(label)) => {
                    let v: f64 = label
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| {
                            bad(
                                line_no,
                                format!("the target '{}' is not a finite number", cut(label)),
                            )
                        })?;
                    values.push(v);
                }
                _ => {}
            }
            series.push(row);
        }
        if !in_data {
            return Err(Error::bad_file(path, "has no @data line: not a .ts file"));
        }
        if series.is_empty() {
            return Err(Error::bad_file(path, "has no series after @data"));
        }
        let labels = match class_names {
            Some(names) => TsLabels::Classes {
                names,
                index: classes,
            },
            None if targets => TsLabels::Targets(values),
            None => TsLabels::None,
        };
        Ok(TsFile {
            channels: channels.unwrap_or(1),
            series,
            labels,
        })
    }

    /// The length every channel of every series has, or `None` if they differ.
    pub fn equal_length(&self) -> Option<usize> {
        let first = self.series.first()?.first()?.len();
        self.series
            .iter()
            .all(|s| s.iter().all(|c| c.len() == first))
            .then_some(first)
    }

    /// The shortest and the longest channel.
    pub fn length_range(&self) -> (usize, usize) {
        let lengths = self.series.iter().flat_map(|s| s.iter().map(Vec::len));
        lengths.fold((usize::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)))
    }

    /// Every series as one row `[channels · points]` (channel after channel), each channel
    /// interpolated linearly onto `points` evenly spaced positions ([`resample`]) when
    /// `points` is given; without it every channel must have the same length (else an error
    /// naming `--resample`).
    pub fn rows(&self, points: Option<usize>, path: &Path) -> Result<(usize, Vec<f32>)> {
        let points = match (points, self.equal_length()) {
            (Some(n), _) => n,
            (None, Some(n)) => n,
            (None, None) => {
                let (lo, hi) = self.length_range();
                return Err(Error::bad_file(
                    path,
                    format!("its series have {lo} to {hi} points; pass `target.resample` N to interpolate every series onto N points"),
                ));
            }
        };
        let mut out = Vec::with_capacity(self.series.len() * self.channels * points);
        for s in &self.series {
            for c in s {
                if c.len() == points {
                    out.extend(c.iter().map(|&v| v as f32));
                } else {
                    out.extend(resample(c, points).into_iter().map(|v| v as f32));
                }
            }
        }
        Ok((points, out))
    }
}

/// `values` linearly interpolated onto `n` evenly spaced positions from the first value to the
/// last, as `numpy.interp(numpy.linspace(0, 1, n), numpy.linspace(0, 1, len), values)`; one
/// value gives `n` copies of it.
pub fn resample(values: &[f64], n: usize) -> Vec<f64> {
    let len = values.len();
    if len == 0 || n == 0 {
        return Vec::new();
    }
    if len == 1 || n == 1 {
        return vec![values[0]; n];
    }
    (0..n)
        .map(|i| {
            let t = i as f64 * (len - 1) as f64 / (n - 1) as f64;
            let k = (t.floor() as usize).min(len - 2);
            let f = t - k as f64;
            values[k] + (values[k + 1] - values[k]) * f
        })
        .collect()
}

/// At most 60 characters of `text`, for messages.
fn cut(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_CHANNELS: &str = "# a comment\n@problemName Toy\n@timeStamps false\n@univariate false\n@dimensions 2\n@equalLength true\n@seriesLength 3\n@classLabel true a b\n@data\n1,2,3:4,5,6:a\n7,8,9:10,11,12:b\n";

    #[test]
    fn channels_and_classes_are_read() {
        let f = TsFile::parse(TWO_CHANNELS, Path::new("toy.ts")).unwrap();
        assert_eq!(f.channels, 2);
        assert_eq!(
            f.series[1],
            vec![vec![7.0, 8.0, 9.0], vec![10.0, 11.0, 12.0]]
        );
        assert_eq!(
            f.labels,
            TsLabels::Classes {
                names: vec!["a".into(), "b".into()],
                index: vec![0, 1]
            }
        );
        let (points, rows) = f.rows(None, Path::new("toy.ts")).unwrap();
        assert_eq!(points, 3);
        assert_eq!(rows[..6], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn regression_targets_and_unlabelled_files() {
        let f = TsFile::parse(
            "@problemname r\n@targetlabel true\n@data\n1,2:0.5\n3,4:-1e3\n",
            Path::new("r.ts"),
        )
        .unwrap();
        assert_eq!(f.labels, TsLabels::Targets(vec![0.5, -1000.0]));
        let f = TsFile::parse("@classLabel false\n@data\n1,2\n3,4\n", Path::new("u.ts")).unwrap();
        assert_eq!(f.labels, TsLabels::None);
        assert_eq!(f.series.len(), 2);
    }

    #[test]
    fn unequal_lengths_need_resampling() {
        let f = TsFile::parse(
            "@classLabel true x\n@data\n0,1,2,3:x\n0,2:x\n",
            Path::new("u.ts"),
        )
        .unwrap();
        let e = f.rows(None, Path::new("u.ts")).unwrap_err().to_string();
        assert!(
            e.contains("u.ts") && e.contains("2 to 4 points") && e.contains("target.resample"),
            "{e}"
        );
        let (points, rows) = f.rows(Some(3), Path::new("u.ts")).unwrap();
        assert_eq!(points, 3);
        // np.interp(np.linspace(0,1,3), np.linspace(0,1,4), [0,1,2,3]) = [0, 1.5, 3]
        assert_eq!(rows, [0.0, 1.5, 3.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn bad_files_name_the_line_and_the_culprit() {
        for (text, want) in [
            (
                "@classLabel true a b\n@data\n1,2:c\n",
                "line 3: class 'c' is not one of",
            ),
            (
                "@missing true\n@data\n1,?,3\n",
                "line 3: channel 1 has a missing value ('?')",
            ),
            ("@data\n1,NaN\n", "missing value"),
            ("@data\n1,x\n", "line 2: channel 1: 'x' is not a number"),
            (
                "@dimensions 2\n@data\n1,2\n",
                "line 3: 1 channels, but @dimensions declares 2",
            ),
            (
                "@data\n1,2:3,4\n5,6\n",
                "line 3: 1 channels, but the first series declares 2",
            ),
            ("@timeStamps true\n@data\n", "time stamps"),
            ("@classLabel true a\n@data\n1,2\n", "no label"),
            ("1,2\n", "line 1: expected a header line"),
            ("@problemName x\n", "no @data line"),
            ("@data\n", "no series"),
            ("@data\n1e39\n", "f32"),
        ] {
            let e = TsFile::parse(text, Path::new("bad.ts"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("bad.ts: ") && e.contains(want),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn resample_is_numpys_interp() {
        assert_eq!(resample(&[1.0, 3.0], 5), [1.0, 1.5, 2.0, 2.5, 3.0]);
        assert_eq!(resample(&[2.0], 3), [2.0, 2.0, 2.0]);
        assert_eq!(resample(&[0.0, 10.0, 0.0], 3), [0.0, 10.0, 0.0]);
    }
}
