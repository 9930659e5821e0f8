//! One config key set by its dotted name (`optim_g.lr`, `pack`, `target.points`) through the
//! TOML form, as a sweep's `--grid` and `--random` do: the config serialised, the key set, the
//! table read back (unknown keys and wrong types refused there) and validated.

use super::*;

impl TrainConfig {
    /// This config with the key `key` (dotted below the top level: `optim_g.lr`) set to
    /// `value`, written as in a TOML file (`2e-4`, `true`, `[64, 64]`, `"wgan"`; a word that
    /// is not TOML, such as `wgan`, is taken as a string), then validated. `loss` gives the
    /// nets the loss's own optimizers, as a config file setting `loss` alone does
    /// ([`TrainConfig::set_loss`]). An unknown key, a value of the wrong type or one the rules
    /// refuse is an error naming `key`.
    pub fn with_key(&self, key: &str, value: &str) -> Result<TrainConfig> {
        let mut config = self.clone();
        config.set_key(key, value)?;
        config.validate()?;
        Ok(config)
    }

    /// Sets the key `key` to `value` as [`TrainConfig::with_key`] does, without validating:
    /// for several keys set in turn, whose rules hold only together (`pack` and
    /// `batch_size`), followed by one [`TrainConfig::validate`]. An unknown key or a value of
    /// the wrong type is an error naming `key`, and leaves the config as it was.
    pub fn set_key(&mut self, key: &str, value: &str) -> Result<()> {
        self.set(key, parse_value(value), value)
    }

    /// Sets the key `key` to the TOML value `value`, as [`TrainConfig::set_key`] sets it from
    /// text (for a front end that has values, not text: the Python package's keyword
    /// arguments).
    pub fn set_value(&mut self, key: &str, value: toml::Value) -> Result<()> {
        let shown = value.to_string();
        self.set(key, value, &shown)
    }

    /// [`TrainConfig::set_value`], an error showing the value as `shown`.
    fn set(&mut self, key: &str, parsed: toml::Value, shown: &str) -> Result<()> {
        let bad = |m: String| Error::config(key, m);
        let mut table = toml::Table::try_from(&*self)
            .map_err(|e| Error::Serialize(format!("config as TOML: {e}")))?;
        let parts: Vec<&str> = key.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad(
                "is not a config key (keys are dotted names: `optim_g.lr`)".into(),
            ));
        }
        let (last, parents) = parts.split_last().unwrap_or((&"", &[]));
        let mut here = &mut table;
        for (i, part) in parents.iter().enumerate() {
            here = match here.get_mut(*part) {
                Some(toml::Value::Table(t)) => t,
                Some(_) => {
                    return Err(bad(format!(
                        "is not a config key: `{}` holds no keys",
                        parts[..=i].join(".")
                    )))
                }
                None => return Err(bad("is not a config key".into())),
            };
        }
        here.insert(last.to_string(), parsed);
        let mut config: TrainConfig = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| {
            // serde's first line; the table it was in is `key` itself.
            let inner = e.inner().to_string();
            let message = inner.lines().next().unwrap_or("").to_string();
            match message.contains("unknown field") {
                true => bad(format!(
                    "is not a config key ({})",
                    crate::text::echo(&message)
                )),
                false => bad(format!(
                    "'{}' is not a value it takes: {}",
                    crate::text::echo(shown),
                    crate::text::echo(&message)
                )),
            }
        })?;
        if key == "loss" {
            config.set_loss(config.loss);
        }
        *self = config;
        Ok(())
    }
}

/// A value as written on the command line: TOML (`2e-4`, `true`, `[64, 64]`, `"x"`) when it
/// reads as TOML, else the text as a string (`wgan`, `ring8`).
pub fn parse_value(text: &str) -> toml::Value {
    match format!("v = {text}").parse::<toml::Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(text.into())),
        Err(_) => toml::Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_set_by_its_dotted_name_and_refused_by_it() {
        let base = TrainConfig::default();
        let c = base.with_key("optim_g.lr", "2e-4").unwrap();
        assert!((c.optim_g.lr() - 2e-4).abs() < 1e-12);
        assert_eq!(c.optim_d, base.optim_d);
        assert_eq!(base.with_key("pack", "2").unwrap().pack, 2);
        assert_eq!(
            base.with_key("g_hidden", "[64, 64]").unwrap().g_hidden,
            [64, 64]
        );
        // A key the file leaves out at its default is set all the same.
        assert_eq!(base.with_key("g_ema", "0.99").unwrap().g_ema, 0.99);
        assert_eq!(base.with_key("loss", "wgan").unwrap(), {
            let mut c = base.clone();
            c.set_loss(LossKind::Wgan);
            c
        });
        let refused = |key: &str, value: &str| match base.with_key(key, value) {
            Err(Error::Config { key, message }) => (key, message),
            other => panic!("{other:?}"),
        };
        let (key, message) = refused("optim_g.lrr", "1");
        assert_eq!(key, "optim_g.lrr");
        assert!(message.contains("not a config key"), "{message}");
        assert_eq!(refused("nope", "1").0, "nope");
        assert!(refused("steps.x", "1").1.contains("`steps` holds no keys"));
        let (key, message) = refused("pack", "two");
        assert_eq!(key, "pack");
        assert!(
            message.contains("'two' is not a value it takes"),
            "{message}"
        );
        // A value of the right type that the rules refuse names the key too.
        assert_eq!(refused("batch_size", "0").0, "batch_size");
        assert_eq!(refused("r1", "1.5").0, "r1");
    }

    #[test]
    fn keys_set_in_turn_are_validated_together() {
        let base = TrainConfig::default();
        // pack = 3 alone does not divide the batch of 64: refused by with_key.
        assert!(base.with_key("pack", "3").is_err());
        let mut c = base.clone();
        c.set_key("pack", "3").unwrap();
        c.set_key("batch_size", "60").unwrap();
        c.validate().unwrap();
        assert_eq!((c.pack, c.batch_size), (3, 60));
        // A refused key leaves the config as it was.
        let before = c.clone();
        assert!(c.set_key("pack", "three").is_err());
        assert!(c.set_key("nope", "1").is_err());
        assert_eq!(c, before);
    }
}
