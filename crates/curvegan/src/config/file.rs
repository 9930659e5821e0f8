//! A [`TrainConfig`] as TOML: written, read (an error on one line naming the key), and two
//! configs compared key by key.

use super::*;

/// A config key whose value differs between two configs ([`TrainConfig::changed_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    /// The key, dotted below the top level: `seed`, `optim_g.lr`, `target.points`.
    pub key: String,
    /// Its value in the first config, as TOML writes it (`not set` when absent).
    pub old: String,
    /// Its value in the second.
    pub new: String,
}

impl TrainConfig {
    /// The keys whose values differ between this config and `other`, in key order: both
    /// configs as TOML tables, compared leaf by leaf (a key a config leaves out, such as an
    /// unset `keep_best`, reads `not set`).
    pub fn changed_keys(&self, other: &TrainConfig) -> Result<Vec<KeyChange>> {
        fn leaves(prefix: &str, value: toml::Value, out: &mut BTreeMap<String, toml::Value>) {
            match value {
                toml::Value::Table(table) => {
                    for (k, v) in table {
                        let key = match prefix {
                            "" => k,
                            _ => format!("{prefix}.{k}"),
                        };
                        leaves(&key, v, out);
                    }
                }
                v => {
                    out.insert(prefix.to_string(), v);
                }
            }
        }
        let table = |c: &TrainConfig| -> Result<BTreeMap<String, toml::Value>> {
            let value = toml::Value::try_from(c)
                .map_err(|e| Error::Serialize(format!("config as TOML: {e}")))?;
            let mut out = BTreeMap::new();
            leaves("", value, &mut out);
            Ok(out)
        };
        let (a, b) = (table(self)?, table(other)?);
        let text = |v: Option<&toml::Value>| v.map_or("not set".to_string(), |v| v.to_string());
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        Ok(keys
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| KeyChange {
                key: k.clone(),
                old: text(a.get(k)),
                new: text(b.get(k)),
            })
            .collect())
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Serialize(format!("config as TOML: {e}")))
    }

    /// Parses a TOML config; a missing key takes its default, an unknown key is an error. A
    /// `loss` without `optim_g` or `optim_d` gives that net the loss's own optimizer
    /// ([`TrainConfig::set_loss`]), as `--loss` does.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        let mut config: TrainConfig = Self::parse_toml(text, path)?;
        if let Ok(table) = text.parse::<toml::Table>() {
            if table.contains_key("loss") {
                let own = config.loss.default_optimizer();
                for (key, optim) in [
                    ("optim_g", &mut config.optim_g),
                    ("optim_d", &mut config.optim_d),
                ] {
                    if !table.contains_key(key) {
                        *optim = own;
                    }
                }
            }
        }
        Ok(config)
    }

    /// [`TrainConfig::from_toml`] without its loss rule: serde's reading, its error on one line
    /// naming the key (`optim_d.lr`), where toml's own names only the table it is in.
    fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
        let one_line = |e: toml::de::Error, key: String| {
            // One line: where, what, and the line itself (toml's own text spreads these over
            // several lines).
            let message = crate::text::echo(e.message().trim_end());
            let key = match key.is_empty() || key == "." {
                true => String::new(),
                false => format!(", key {}", crate::text::echo(&key)),
            };
            let text = match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = 1 + before.matches('\n').count();
                    let column = 1 + before.chars().rev().take_while(|&c| c != '\n').count();
                    let source: String = text
                        .lines()
                        .nth(line - 1)
                        .unwrap_or("")
                        .chars()
                        .take(80)
                        .collect();
                    format!(
                        "line {line}, column {column}{key}: {message} in `{}`",
                        crate::text::escape(source.trim())
                    )
                }
                None => format!("{}{message}", key.trim_start_matches(", ")),
            };
            Error::bad_file(path, text)
        };
        let de = toml::de::Deserializer::parse(text).map_err(|e| one_line(e, String::new()))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            one_line(e.into_inner(), key)
        })
    }

    /// Reads a TOML config file: a regular file, or a pipe or FIFO read to its end
    /// (`--config <(…)`), of at most [`MAX_CONFIG_BYTES`] ([`input::read_text`]).
    pub fn load(path: &Path) -> Result<Self> {
        let text = input::read_text(path, MAX_CONFIG_BYTES)?;
        Self::from_toml(&text, path)
    }

    /// Reads a run folder's `config.toml`, which curvegan wrote: as [`TrainConfig::load`], but
    /// a FIFO or a device in its place is refused at once ([`input::read_regular_text`]).
    pub fn load_saved(path: &Path) -> Result<Self> {
        let text = input::read_regular_text(path, MAX_CONFIG_BYTES)?;
        Self::from_toml(&text, path)
    }
}
