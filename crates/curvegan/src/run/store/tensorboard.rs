//! A run's TensorBoard log (with `tensorboard = true`): one event file in the run folder,
//! `events.out.tfevents.SECONDS.HOST.curvegan`, so that `tensorboard --logdir runs` shows each
//! run under its folder's name. Its events, in step order, each with the time it was written:
//!
//! - the file version, then the run's `config.toml` as text at step 0 (tag `config`, the text
//!   plugin, in a Markdown code block), and again at a resume's step when the resume changed it;
//! - each step's row of `metrics.csv` as scalars (f32, as TensorBoard keeps them), in one event:
//!   `losses/d_loss`, `losses/g_loss`, `discriminator/d_real`, `discriminator/d_fake`, and at
//!   evaluation steps `eval/METRIC` for each metric column;
//! - after a step with a step figure, that figure's PNG as an image (tag `figure`).
//!
//! The loop appends the steps trained since its last append at each live snapshot (figure and
//! evaluation steps, the last step) and before each checkpoint: whole records in one `write`
//! with `O_APPEND`, flushed to disk ([`Dir::append`]), so a run killed at any moment leaves a
//! file that TensorBoard reads up to its last append. The file holds no step the run's rows do
//! not, except those of a killed process after its last checkpoint; a resume drops those:
//! [`TensorBoard::open`] keeps the longest start of the file that agrees with the checkpoint's
//! rows (every scalar equal, each step figure's image after its step), adds what the file
//! lacks from the rows and the step figures in the folder, and writes the file anew
//! (atomically) if that changed it. After any stop and resume every scalar equals
//! `metrics.csv`, and the events equal those of a run never stopped but for their times (and a
//! config text at the resume's step if it changed the config). A run resumed with
//! `tensorboard = true` for the first time gets its whole log so.
//!
//! The framing and the protobuf messages are [`crate::run::store::tfrecord`]'s.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::{TrainConfig, MAX_BYTES};
use crate::error::Result;
use crate::run::store::files::{self, Dir};
use crate::run::store::metrics_csv::Row;
use crate::run::store::tfrecord::{
    self, Event, Image, Kind, PluginData, Summary, SummaryMetadata, TensorProto, TensorShapeProto,
    Value, What,
};

/// The tag of the config's text.
pub const CONFIG_TAG: &str = "config";
/// The tag of the step figures.
pub const FIGURE_TAG: &str = "figure";
/// The tags of `metrics.csv`'s columns `d_loss`, `g_loss`, `d_real`, `d_fake`; a metric's
/// is `eval/METRIC`.
pub const STEP_TAGS: [&str; 4] = [
    "losses/d_loss",
    "losses/g_loss",
    "discriminator/d_real",
    "discriminator/d_fake",
];

/// The run's TensorBoard log, or nothing when the config does not ask for one (every method
/// then does nothing). It remembers how many steps the file holds, and the step figure of a
/// step not yet appended.
#[derive(Debug)]
pub struct TensorBoard {
    log: Option<Log>,
}

#[derive(Debug)]
struct Log {
    dir: Dir,
    /// The event file's name.
    name: String,
    /// The evaluation metrics' names, the columns after `d_fake`.
    names: Vec<String>,
    /// The config as the text event holds it.
    text: String,
    /// Steps in the file: rows `0..written`.
    written: Cell<usize>,
    /// The step figure of a step not yet in the file.
    figure: RefCell<Option<(usize, Vec<u8>)>>,
}

impl TensorBoard {
    /// The log of the run in `dir` whose first `rows.len()` steps are `rows` (none for a new
    /// run, the checkpoint's for a resume), with the metric columns `names`; nothing unless
    /// `config.tensorboard`. The event file is made to hold exactly those steps, as the module
    /// says (written anew, atomically, only if that changes it): a new run's gets the file
    /// version and the config.
    pub fn open(
        dir: &Dir,
        config: &TrainConfig,
        names: &[&str],
        rows: &[Row],
    ) -> Result<TensorBoard> {
        if !config.tensorboard {
            return Ok(TensorBoard { log: None });
        }
        let existing = (dir.entries()?.into_iter())
            .filter(|(name, is_dir)| !is_dir && files::is_events_file(name))
            .map(|(name, _)| name)
            .min();
        let (name, old) = match existing {
            Some(name) => {
                let bytes = dir.read_at_most(&name, MAX_BYTES)?;
                (name, Some(bytes))
            }
            None => (new_name(), None),
        };
        let log = Log {
            dir: dir.clone(),
            name,
            names: names.iter().map(|n| n.to_string()).collect(),
            text: config_text(&config.to_toml()?),
            written: Cell::new(rows.len()),
            figure: RefCell::default(),
        };
        let bytes = log.agreeing(old.as_deref().unwrap_or_default(), rows)?;
        if old.as_ref() != Some(&bytes) {
            dir.write(&log.name, &bytes)?;
        }
        Ok(TensorBoard { log: Some(log) })
    }

    /// Keeps the step figure `png` of `step` for the next [`TensorBoard::append`].
    pub fn figure(&self, step: usize, png: &[u8]) {
        if let Some(log) = &self.log {
            log.figure.replace(Some((step, png.to_vec())));
        }
    }

    /// Appends the steps of `rows` the file does not hold yet, each followed by its step
    /// figure if [`TensorBoard::figure`] was given one, in one append.
    pub fn append(&self, rows: &[Row]) -> Result<()> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let from = log.written.get();
        if from >= rows.len() {
            return Ok(());
        }
        let figure = log.figure.take();
        let now = wall_time();
        let mut bytes = Vec::new();
        for (step, row) in rows.iter().enumerate().skip(from) {
            tfrecord::push(&log.scalars(now, step, row), &mut bytes);
            if let Some((_, png)) = figure.as_ref().filter(|(s, _)| *s == step) {
                tfrecord::push(&image(now, step, png), &mut bytes);
            }
        }
        log.dir.append(&log.name, &bytes)?;
        log.written.set(rows.len());
        Ok(())
    }
}

impl Log {
    /// The event file that holds exactly `rows`: the longest start of `old` that agrees with
    /// them ([`Log::agreeing_len`]), then the file version and the config if it lacks them, the
    /// steps it lacks with the step figures in the folder, and the config again, at the first
    /// step not in `rows`, if the last one in it differs.
    fn agreeing(&self, old: &[u8], rows: &[Row]) -> Result<Vec<u8>> {
        let figures: BTreeMap<usize, String> = files::step_figures(&self.dir, rows.len())?
            .into_iter()
            .collect();
        let (keep, next, text) = self.agreeing_len(old, rows, &figures);
        let now = wall_time();
        let mut bytes = old[..keep].to_vec();
        if keep == 0 {
            let what = Some(What::FileVersion(tfrecord::FILE_VERSION.into()));
            let header = Event {
                wall_time: now,
                step: 0,
                what,
            };
            tfrecord::push(&header, &mut bytes);
        }
        if text.is_none() {
            tfrecord::push(&self.config(now, next), &mut bytes);
        }
        for (step, row) in rows.iter().enumerate().skip(next) {
            tfrecord::push(&self.scalars(now, step, row), &mut bytes);
            if let Some(name) = figures.get(&step) {
                let png = self.dir.read_at_most(name, files::MAX_FIGURE)?;
                tfrecord::push(&image(now, step, &png), &mut bytes);
            }
        }
        if text.is_some_and(|t| t != self.text) {
            tfrecord::push(&self.config(now, rows.len()), &mut bytes);
        }
        Ok(bytes)
    }

    /// How much of the event file `old` agrees with `rows` and the step figures `figures` (by
    /// step): the length of its longest start made of the file version, then the steps from 0
    /// each with its scalars equal to its row's and, if it has a figure, that figure's image
    /// right after it, with config texts between steps (none ahead of them); the first step
    /// that start lacks; its last config text.
    fn agreeing_len(
        &self,
        old: &[u8],
        rows: &[Row],
        figures: &BTreeMap<usize, String>,
    ) -> (usize, usize, Option<String>) {
        let mut agreed = (0, 0, None);
        let (mut next, mut image_due, mut text) = (0, false, None);
        let encode = prost::Message::encode_to_vec;
        for (i, (end, event)) in tfrecord::read(old).into_iter().enumerate() {
            let step = usize::try_from(event.step).ok();
            let single = match &event.what {
                Some(What::Summary(s)) if s.value.len() == 1 => Some(&s.value[0]),
                _ => None,
            };
            let agrees = |next: usize| {
                next < rows.len()
                    && encode(&self.scalars(event.wall_time, next, &rows[next])) == encode(&event)
            };
            match single.map(|v| (v.tag.as_str(), &v.kind)) {
                _ if i == 0 => {
                    if !matches!(event.what, Some(What::FileVersion(_))) {
                        break;
                    }
                }
                Some((CONFIG_TAG, Some(Kind::Tensor(t))))
                    if !image_due && step.is_some_and(|s| s <= next) =>
                {
                    let string = t.string_val.first().map(|s| String::from_utf8_lossy(s));
                    text = Some(string.unwrap_or_default().into_owned());
                }
                Some((FIGURE_TAG, Some(Kind::Image(_)))) if image_due && step == Some(next - 1) => {
                    image_due = false;
                }
                _ if !image_due && step == Some(next) && agrees(next) => {
                    image_due = figures.contains_key(&next);
                    next += 1;
                }
                _ => break,
            }
            if !image_due {
                agreed = (end, next, text.clone());
            }
        }
        agreed
    }

    /// The scalars of `row`, the run's step `step`.
    fn scalars(&self, wall_time: f64, step: usize, row: &Row) -> Event {
        let s = &row.stats;
        let stats = STEP_TAGS
            .iter()
            .map(|t| t.to_string())
            .zip([s.d_loss, s.g_loss, s.d_real, s.d_fake]);
        let metrics = (self.names.iter().map(|n| format!("eval/{n}")))
            .zip(row.metrics.iter().flatten().map(|&v| v as f32));
        let value = (stats.chain(metrics))
            .map(|(tag, v)| Value {
                tag,
                metadata: None,
                kind: Some(Kind::SimpleValue(v)),
            })
            .collect();
        summary(wall_time, step, value)
    }

    /// The config's text at `step`, for TensorBoard's text plugin.
    fn config(&self, wall_time: f64, step: usize) -> Event {
        let tensor = TensorProto {
            dtype: tfrecord::DT_STRING,
            // A scalar string: the text plugin shows it as Markdown (a vector, as a table).
            tensor_shape: Some(TensorShapeProto { dim: Vec::new() }),
            string_val: vec![self.text.as_bytes().to_vec()],
        };
        let plugin = PluginData {
            plugin_name: "text".into(),
            content: Vec::new(),
        };
        let value = Value {
            tag: CONFIG_TAG.into(),
            metadata: Some(SummaryMetadata {
                plugin_data: Some(plugin),
            }),
            kind: Some(Kind::Tensor(tensor)),
        };
        summary(wall_time, step, vec![value])
    }
}

/// `config.toml`'s text `toml` as TensorBoard's text plugin shows it: a Markdown code block.
pub fn config_text(toml: &str) -> String {
    let newline = if toml.ends_with('\n') { "" } else { "\n" };
    format!("```toml\n{toml}{newline}```")
}

/// The step figure `png` of `step` as an image; its size and colours from its header (0 if it
/// has none: TensorBoard shows the PNG by its bytes).
fn image(wall_time: f64, step: usize, png: &[u8]) -> Event {
    let info = png::Decoder::new(std::io::Cursor::new(png)).read_info();
    let (height, width, colorspace) = info.map_or((0, 0, 0), |r| {
        let info = r.info();
        let channels = match info.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb | png::ColorType::Indexed => 3,
            png::ColorType::Rgba => 4,
        };
        let side = |n: u32| i32::try_from(n).unwrap_or(0);
        (side(info.height), side(info.width), channels)
    });
    let image = Image {
        height,
        width,
        colorspace,
        encoded_image_string: png.to_vec(),
    };
    let value = Value {
        tag: FIGURE_TAG.into(),
        metadata: None,
        kind: Some(Kind::Image(image)),
    };
    summary(wall_time, step, vec![value])
}

/// An event of `values` at `step`.
fn summary(wall_time: f64, step: usize, value: Vec<Value>) -> Event {
    Event {
        wall_time,
        step: i64::try_from(step).unwrap_or(i64::MAX),
        what: Some(What::Summary(Summary { value })),
    }
}

/// Seconds since the Unix epoch, now.
fn wall_time() -> f64 {
    (SystemTime::now().duration_since(UNIX_EPOCH)).map_or(0.0, |d| d.as_secs_f64())
}

/// A new event file's name: now, and this machine's name (anything but letters, digits, `-`
/// and `.` as `_`, at most 64 characters).
fn new_name() -> String {
    let seconds = (SystemTime::now().duration_since(UNIX_EPOCH)).map_or(0, |d| d.as_secs());
    let uname = rustix::system::uname();
    let host = uname.nodename().to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    let host: String = (host.chars().take(64))
        .map(|c| if safe(c) { c } else { '_' })
        .collect();
    files::events_file(seconds, &host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gan::step::StepStats;

    /// Six steps, evaluated at 0, 3 and 5 (the last with a NaN), figures at 0 and 3.
    fn rows() -> Vec<Row> {
        (0..6)
            .map(|i| Row {
                stats: StepStats {
                    d_loss: 0.5 + i as f32,
                    g_loss: -1.0 / (i + 1) as f32,
                    d_real: 0.25 * i as f32,
                    d_fake: 1e-7 * i as f32,
                    ..StepStats::default()
                },
                metrics: [0, 3, 5]
                    .contains(&i)
                    .then(|| vec![i as f64 / 3.0, if i == 5 { f64::NAN } else { 1e30 }]),
            })
            .collect()
    }

    /// The events of `bytes` without their times.
    fn events(bytes: &[u8]) -> Vec<Event> {
        let timeless = |(_, e): (usize, Event)| Event {
            wall_time: 0.0,
            ..e
        };
        tfrecord::read(bytes).into_iter().map(timeless).collect()
    }

    /// The events of `bytes` without their times, encoded (so that NaNs compare equal).
    fn encoded(bytes: &[u8]) -> Vec<Vec<u8>> {
        events(bytes)
            .iter()
            .map(prost::Message::encode_to_vec)
            .collect()
    }

    /// An empty run folder (kept while the first is) and the tutorial's config with the log.
    fn folder() -> (tempfile::TempDir, Dir, TrainConfig) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Dir::open(tmp.path()).unwrap();
        let config = TrainConfig {
            tensorboard: true,
            ..TrainConfig::default()
        };
        (tmp, dir, config)
    }

    /// A run folder with the step figures of steps 0 and 3, and its log as the loop writes it
    /// through six steps, appending at steps 0, 2, 3 and 5.
    fn logged(dir: &Dir, config: &TrainConfig) -> (TensorBoard, Vec<u8>) {
        let rows = rows();
        let tb = TensorBoard::open(dir, config, &["a", "b"], &[]).unwrap();
        for (step, append) in [
            (0, true),
            (1, false),
            (2, true),
            (3, true),
            (4, false),
            (5, true),
        ] {
            if step % 3 == 0 {
                let png = format!("figure {step}").into_bytes();
                dir.write(&files::step_figure(step), &png).unwrap();
                tb.figure(step, &png);
            }
            if append {
                tb.append(&rows[..=step]).unwrap();
            }
        }
        let name = tb.log.as_ref().unwrap().name.clone();
        let bytes = dir.read_at_most(&name, 1 << 20).unwrap();
        (tb, bytes)
    }

    #[test]
    fn the_log_holds_each_step_once_with_its_figure_and_the_config_first() {
        let (_tmp, dir, config) = folder();
        let (_, bytes) = logged(&dir, &config);
        let events = events(&bytes);
        let kinds: Vec<(i64, String)> = (events.iter())
            .map(|e| match &e.what {
                Some(What::FileVersion(v)) => (e.step, v.clone()),
                Some(What::Summary(s)) => (e.step, s.value[0].tag.clone()),
                None => (e.step, String::new()),
            })
            .collect();
        let expected: Vec<(i64, String)> = [
            (0, "brain.Event:2"),
            (0, "config"),
            (0, "losses/d_loss"),
            (0, "figure"),
            (1, "losses/d_loss"),
            (2, "losses/d_loss"),
            (3, "losses/d_loss"),
            (3, "figure"),
            (4, "losses/d_loss"),
            (5, "losses/d_loss"),
        ]
        .map(|(s, t)| (s, t.to_string()))
        .into();
        assert_eq!(kinds, expected);
        let Some(What::Summary(s)) = &events[6].what else {
            panic!("{:?}", events[6]);
        };
        let tags: Vec<&str> = s.value.iter().map(|v| v.tag.as_str()).collect();
        let tail = ["eval/a", "eval/b"];
        assert_eq!(tags, [&STEP_TAGS[..], &tail[..]].concat());
        let values: Vec<Option<Kind>> = s.value.iter().map(|v| v.kind.clone()).collect();
        let simple = |v: f32| Some(Kind::SimpleValue(v));
        let row = &rows()[3];
        let st = &row.stats;
        assert_eq!(
            values,
            [st.d_loss, st.g_loss, st.d_real, st.d_fake, 1.0, 1e30].map(simple)
        );
        let Some(What::Summary(s)) = &events[1].what else {
            panic!("{:?}", events[1]);
        };
        let Some(Kind::Tensor(t)) = &s.value[0].kind else {
            panic!("{s:?}");
        };
        assert_eq!(
            t.string_val,
            [config_text(&config.to_toml().unwrap()).into_bytes()]
        );
        assert!(config_text("a = 1\n").starts_with("```toml\na = 1\n```"));
    }

    /// A log cut at every byte (a process killed mid-write) and resumed from a checkpoint at
    /// every step becomes the log of exactly the checkpoint's steps, keeping the times of what
    /// it keeps; whole and resumed at its end, it is left as it is.
    #[test]
    fn a_cut_log_resumed_at_any_step_holds_exactly_the_checkpoints_steps() {
        let (_tmp, dir, config) = folder();
        let (tb, full) = logged(&dir, &config);
        let log = tb.log.as_ref().unwrap();
        let rows = rows();
        assert_eq!(log.agreeing(&full, &rows).unwrap(), full);
        let header = tfrecord::read(&full)[0].0;
        for k in 0..=rows.len() {
            let fresh = log.agreeing(&[], &rows[..k]).unwrap();
            let steps = events(&fresh)
                .iter()
                .filter(|e| e.step as usize >= k)
                .count();
            assert!(k == 0 || steps == 0, "{k}: {steps} events of later steps");
            let fresh = encoded(&fresh);
            for cut in 0..=full.len() {
                let resumed = log.agreeing(&full[..cut], &rows[..k]).unwrap();
                assert_eq!(encoded(&resumed), fresh, "checkpoint at {k}, cut at {cut}");
                let kept = tfrecord::read(&full[..cut]);
                let prefix = kept
                    .iter()
                    .map(|(end, _)| *end)
                    .rfind(|&end| resumed.starts_with(&full[..end]));
                assert!(
                    cut < header || prefix.is_some(),
                    "{k}, {cut}: the header was lost"
                );
            }
        }
    }

    /// An old `config.toml`, from before the key, loads with the log off; a config with the
    /// log off writes no key, so its runs' files are as before.
    #[test]
    fn the_key_is_off_unless_set_and_written_only_when_on() {
        let old = include_str!("../../../tests/old_configs/quadratic.toml");
        let config = TrainConfig::from_toml(old, std::path::Path::new("old.toml")).unwrap();
        assert!(!config.tensorboard);
        assert!(!config.to_toml().unwrap().contains("tensorboard"));
        let on = TrainConfig {
            tensorboard: true,
            ..config
        };
        let text = on.to_toml().unwrap();
        assert!(text.contains("tensorboard = true"), "{text}");
        let back = TrainConfig::from_toml(&text, std::path::Path::new("on.toml")).unwrap();
        assert!(back.tensorboard);
    }

    #[test]
    fn a_resume_that_changes_the_config_logs_it_at_its_step() {
        let (_tmp, dir, config) = folder();
        let (_, full) = logged(&dir, &config);
        let longer = TrainConfig {
            steps: 20000,
            ..config
        };
        let resumed = TensorBoard::open(&dir, &longer, &["a", "b"], &rows()[..4]).unwrap();
        let log = resumed.log.as_ref().unwrap();
        let bytes = dir.read_at_most(&log.name, 1 << 20).unwrap();
        let (old, new) = (events(&full), events(&bytes));
        assert_eq!(new[..new.len() - 1], old[..old.len() - 2]);
        assert_eq!(new.last(), Some(&log.config(0.0, 4)));
        assert!(log.text.contains("steps = 20000"));
        let off = TensorBoard::open(&dir, &TrainConfig::default(), &[], &rows()).unwrap();
        assert!(off.log.is_none());
        off.append(&rows()).unwrap();
        assert_eq!(dir.read_at_most(&log.name, 1 << 20).unwrap(), bytes);
    }
}
